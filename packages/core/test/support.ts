import { fixtureById } from '@four29/fixtures';
import { expect } from 'vitest';
import { MAX_RETRY_DELAY_MS } from '../src/classify/index.js';
import { remediationFor } from '../src/remediation/index.js';
import { type Classification, UPSTREAM_ERROR_KINDS } from '../src/types.js';
import { UpstreamHttpError } from '../src/upstream-http-error.js';

/** A hand-built classification: the fields classify would set for `kind`, overridable one by one. */
export function classification(over: Partial<Classification> = {}): Classification {
  const kind = over.kind ?? 'rate_limited';
  const provider = over.provider ?? 'openai';
  return {
    kind,
    provider,
    retryable: kind === 'rate_limited' || kind === 'overloaded' || kind === 'upstream_timeout',
    remediation: remediationFor(kind, provider, over.upstreamCode),
    ...over,
  };
}

/** A fixture's response as the error a fetch-based client would throw, at the current (fake) time. */
export function upstreamError(id: string): UpstreamHttpError {
  const f = fixtureById(id);
  const r = f.respond(Date.now());
  return new UpstreamHttpError({
    status: r.status,
    headers: r.headers,
    body: r.body,
    provider: f.provider,
  });
}

const nonNegativeInt = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Every invariant a Classification promises, whatever the input: what classify's guard tests assert. */
export function assertValidClassification(c: Classification | null): void {
  if (c === null) return;
  expect(UPSTREAM_ERROR_KINDS).toContain(c.kind);
  expect(typeof c.provider).toBe('string');
  expect(typeof c.retryable).toBe('boolean');
  for (const [key, value] of Object.entries(c)) expect(value, key).not.toBeUndefined();
  if (c.retryAfterMs !== undefined) {
    expect(Number.isSafeInteger(c.retryAfterMs)).toBe(true);
    expect(c.retryAfterMs).toBeGreaterThanOrEqual(0);
    expect(c.retryAfterMs).toBeLessThanOrEqual(MAX_RETRY_DELAY_MS);
    expect(c.retryable).toBe(true);
    expect(Number.isFinite(c.resetAt)).toBe(true);
  }
  for (const key of ['limit', 'remaining', 'used', 'requested'] as const) {
    if (c[key] !== undefined) expect(nonNegativeInt(c[key]), key).toBe(true);
  }
  if (c.upstreamStatus !== undefined) {
    expect(c.upstreamStatus).toBeGreaterThanOrEqual(400);
    expect(c.upstreamStatus).toBeLessThanOrEqual(599);
  }
  if (c.upstreamRequestId !== undefined)
    expect(c.upstreamRequestId).toMatch(/^[\x21-\x7e]{1,200}$/);
  if (c.upstreamMessage !== undefined) {
    expect(c.upstreamMessage.length).toBeLessThanOrEqual(1001);
    expect(c.upstreamMessage).not.toMatch(/[\r\n]/);
  }
  if (c.upstreamCode !== undefined) expect(c.upstreamCode.length).toBeLessThanOrEqual(200);
  expect(Array.isArray(c.remediation.steps)).toBe(true);
}
