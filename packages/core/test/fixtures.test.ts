/** The fixture set itself: complete for the mock upstream, well-formed, and honest about time. */
import {
  EXPECTED_KEYS,
  FIXTURE_NOW,
  type FixtureProvider,
  fixtures,
  type ScenarioId,
  scenarioFixture,
} from '@four29/fixtures';
import { describe, expect, it } from 'vitest';
import { classify } from '../src/classify/index.js';

const REPLAYED: readonly FixtureProvider[] = ['openai', 'anthropic', 'google'];
const SCENARIOS: readonly ScenarioId[] = [
  'rate_limited_tokens',
  'rate_limited_requests',
  'insufficient_quota',
  'request_too_large',
  'overloaded',
  'auth',
  'server_error',
];

describe('@four29/fixtures', () => {
  it.each(REPLAYED.flatMap((p) => SCENARIOS.map((s) => [p, s] as const)))(
    'scenarioFixture(%s, %s) exists and its provider and scenario match',
    (provider, scenario) => {
      const f = scenarioFixture(provider, scenario);
      expect(f).toBeDefined();
      expect(f?.provider).toBe(provider);
      expect(f?.scenario).toBe(scenario);
    },
  );

  it('has at most one fixture per provider and scenario', () => {
    const seen = new Set<string>();
    for (const f of fixtures) {
      if (f.scenario === undefined) continue;
      const key = `${f.provider}/${f.scenario}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it('scenarioFixture returns undefined for a scenario a provider has no fixture for', () => {
    expect(scenarioFixture('bedrock', 'auth')).toBeUndefined();
    expect(scenarioFixture('openai', 'ok')).toBeUndefined();
  });

  it('every fixture is a well-formed error response with a source', () => {
    for (const f of fixtures) {
      const r = f.respond(FIXTURE_NOW);
      expect(r.status, f.id).toBeGreaterThanOrEqual(400);
      expect(r.status, f.id).toBeLessThanOrEqual(599);
      for (const name of Object.keys(r.headers)) expect(name, f.id).toBe(name.toLowerCase());
      expect(() => new Headers(r.headers), f.id).not.toThrow();
      expect(f.source.trim().length, f.id).toBeGreaterThan(10);
      expect(f.id).toMatch(/^[a-z0-9_.-]+$/);
      for (const key of Object.keys(f.expected)) expect(EXPECTED_KEYS).toContain(key);
      if (f.expected.upstreamStatus !== undefined) expect(f.expected.upstreamStatus).toBe(r.status);
    }
  });

  it('time-dependent headers follow `now`, so a live replay stays consistent', () => {
    const later = FIXTURE_NOW + 3_600_000;
    for (const f of fixtures) {
      const expected = f.expected;
      const c = classify(f.respond(later), { now: later });
      expect(c?.kind, f.id).toBe(expected.kind);
      // Either the delay is the same (a rolling window) or the reset instant is (a wall-clock
      // boundary such as OpenRouter's midnight), within the whole-second precision of the headers.
      if (expected.retryAfterMs !== undefined && expected.resetAt !== undefined) {
        const sameDelay = Math.abs((c?.retryAfterMs ?? -1e12) - expected.retryAfterMs) < 1000;
        const sameInstant = Math.abs((c?.resetAt ?? -1e12) - expected.resetAt) < 1000;
        expect(sameDelay || sameInstant, f.id).toBe(true);
      }
    }
  });

  it('contain no real-looking secrets', () => {
    const text = JSON.stringify(fixtures.map((f) => f.respond(FIXTURE_NOW)));
    expect(text).not.toMatch(/sk-(?:proj-)?[A-Za-z0-9]{20,}/);
    expect(text).not.toMatch(/AIza[0-9A-Za-z_-]{30,}/);
  });
});
