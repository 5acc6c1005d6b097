import { fixtureById, type UpstreamFixture } from '@four29/fixtures';
import { expect } from 'vitest';

/** Scenarios that replay a fixture as a plain HTTP error. */
export const ERROR_SCENARIOS = [
  'rate_limited_tokens',
  'rate_limited_requests',
  'insufficient_quota',
  'request_too_large',
  'overloaded',
  'auth',
  'server_error',
] as const;

interface HeaderSource {
  get(name: string): string | null;
}

/**
 * Asserts that an answer is the fixture the mock says it replayed (`x-mock-fixture`): same
 * status, and every header the fixture sends. Time-dependent fixture headers (RFC 3339 resets)
 * are computed at the moment of the request, so they may match either clock reading around it.
 */
export function expectFixtureHeaders(
  headers: HeaderSource,
  status: number,
  before: number,
  after: number,
): UpstreamFixture {
  const id = headers.get('x-mock-fixture');
  expect(id, 'x-mock-fixture header').toBeTypeOf('string');
  const fixture = fixtureById(id as string);
  const early = fixture.respond(before);
  const late = fixture.respond(after);
  expect(status).toBe(early.status);
  for (const [name, value] of Object.entries(early.headers)) {
    expect([value, late.headers[name]], `header ${name}`).toContain(headers.get(name));
  }
  return fixture;
}

export const chatBody = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: 'Say hello.' }],
};
