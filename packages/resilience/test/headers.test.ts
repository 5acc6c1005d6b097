import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { describe, expect, it } from 'vitest';
import { readAnnouncedLimits, readRetryAfter } from '../src/headers.js';

// The formats themselves are the classifier's (packages/core/test/classify/headers.test.ts); these tests cover
// what the paced fetch makes of them: names, refill kind, what counts requests, the server clock.

function headersOf(id: string, now = FIXTURE_NOW): Headers {
  return new Headers(fixtureById(id).respond(now).headers);
}

function budget(headers: Headers, name: string, now = FIXTURE_NOW) {
  return readAnnouncedLimits(headers, now).find((b) => b.name === name);
}

describe('readAnnouncedLimits on real provider responses', () => {
  it('OpenAI: Go-duration resets, a refilling bucket, requests counted per request', () => {
    const h = headersOf('openai.rate_limit.requests');
    expect(budget(h, 'requests')).toEqual({
      name: 'requests',
      limit: 3,
      remaining: 0,
      resetMs: 20_000,
      refill: 'bucket',
      countsRequests: true,
    });
    expect(budget(h, 'tokens')).toMatchObject({
      limit: 40_000,
      remaining: 39_200,
      resetMs: 1200,
      countsRequests: false,
    });
    expect(budget(headersOf('openai.rate_limit.tokens'), 'requests')?.resetMs).toBe(12);
    expect(budget(headersOf('openai.rate_limit.requests_per_day'), 'requests')?.resetMs).toBe(
      360_000,
    );
  });

  it('Azure: integer-second x-rate-limit-reset-tokens', () => {
    const h = headersOf('azure.rate_limit.reset_header_only');
    expect(budget(h, 'tokens')).toMatchObject({ remaining: 0, resetMs: 55_000 });
    expect(budget(h, 'requests')).toMatchObject({ remaining: 119, countsRequests: true });
  });

  it('Anthropic: RFC 3339 resets, per dimension', () => {
    const h = headersOf('anthropic.rate_limit.requests');
    expect(budget(h, 'requests')).toEqual({
      name: 'requests',
      limit: 50,
      remaining: 0,
      resetMs: 7000,
      refill: 'bucket',
      countsRequests: true,
    });
    expect(budget(h, 'input_tokens')).toMatchObject({
      limit: 30_000,
      remaining: 29_000,
      countsRequests: false,
    });
    expect(
      budget(headersOf('anthropic.rate_limit.output_tokens_reset_only'), 'output_tokens'),
    ).toMatchObject({ remaining: 0, resetMs: 42_000 });
  });

  it("absolute resets are read against the server's Date header when our clock is off", () => {
    const h = headersOf('anthropic.rate_limit.requests');
    h.set('date', new Date(FIXTURE_NOW).toUTCString());
    // Our clock runs 5 minutes ahead of the server's: without Date the reset would look past.
    expect(budget(h, 'requests', FIXTURE_NOW + 300_000)?.resetMs).toBe(7000);
    // A Date a day or more away is not believed.
    h.set('date', new Date(FIXTURE_NOW - 2 * 86_400_000).toUTCString());
    expect(budget(h, 'requests')?.resetMs).toBe(7000);
    h.set('date', 'yesterday');
    expect(budget(h, 'requests')?.resetMs).toBe(7000);
  });

  it('GitHub: x-ratelimit-reset in epoch seconds is a window, not a delay', () => {
    const [b] = readAnnouncedLimits(headersOf('github.primary_rate_limit'), FIXTURE_NOW);
    expect(b).toMatchObject({
      limit: 5000,
      remaining: 0,
      resetMs: 1_800_000,
      refill: 'window',
      countsRequests: true,
    });
  });

  it('IETF draft 10 structured fields, with the quota from RateLimit-Policy', () => {
    expect(readAnnouncedLimits(headersOf('generic.ietf_ratelimit'), FIXTURE_NOW)).toEqual([
      {
        name: 'ietf:burst',
        limit: 100,
        remaining: 0,
        resetMs: 30_000,
        refill: 'window',
        countsRequests: true,
      },
    ]);
    expect(readAnnouncedLimits(headersOf('generic.ratelimit_draft06'), FIXTURE_NOW)).toEqual([
      expect.objectContaining({ limit: 60, remaining: 0, resetMs: 42_000, refill: 'window' }),
    ]);
  });

  it('unsuffixed budgets keep one name across responses; the most restrictive one wins', () => {
    const github = readAnnouncedLimits(headersOf('github.primary_rate_limit'), FIXTURE_NOW);
    const draft = readAnnouncedLimits(headersOf('generic.ratelimit_draft06'), FIXTURE_NOW);
    expect(github.map((b) => b.name)).toEqual(['default']);
    expect(draft.map((b) => b.name)).toEqual(['default']);
    const both = new Headers({
      'x-ratelimit-remaining': '10',
      'x-ratelimit-reset': '5',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '42',
    });
    expect(readAnnouncedLimits(both, 0)).toEqual([
      { name: 'default', remaining: 0, resetMs: 42_000, refill: 'window', countsRequests: true },
    ]);
  });

  it('responses without a remaining count report nothing', () => {
    expect(readAnnouncedLimits(headersOf('openai.insufficient_quota'), FIXTURE_NOW)).toEqual([]);
    expect(readAnnouncedLimits(new Headers({ 'x-ratelimit-limit-requests': '10' }), 0)).toEqual([]);
    expect(readAnnouncedLimits(new Headers(), 0)).toEqual([]);
  });
});

describe('readAnnouncedLimits on malformed headers', () => {
  it('ignores values that are not non-negative numbers, durations or timestamps', () => {
    const h = new Headers({
      'x-ratelimit-limit-requests': 'lots',
      'x-ratelimit-remaining-requests': '-1',
      'x-ratelimit-reset-requests': 'NaN',
      'x-ratelimit-remaining-tokens': '12abc',
      'ratelimit-remaining': 'Infinity',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '-30',
    });
    expect(readAnnouncedLimits(h, 0)).toEqual([
      { name: 'default', remaining: 0, refill: 'window', countsRequests: true },
    ]);
  });

  it('survives garbage structured fields and hostile header objects', () => {
    const garbage = new Headers({
      ratelimit: ';;;,,,"unterminated;r=1;t=',
      'ratelimit-policy': '"',
    });
    expect(() => readAnnouncedLimits(garbage, 0)).not.toThrow();
    const hostile = new Proxy(new Headers(), {
      get: () => {
        throw new Error('trap');
      },
    });
    expect(readAnnouncedLimits(hostile, 0)).toEqual([]);
    expect(readRetryAfter(hostile, 0)).toBeUndefined();
  });
});

describe('readRetryAfter', () => {
  it('reads retry-after-ms first, then delay-seconds, then an HTTP-date', () => {
    expect(readRetryAfter(new Headers({ 'retry-after-ms': '1500', 'retry-after': '2' }), 0)).toBe(
      1500,
    );
    expect(readRetryAfter(new Headers({ 'retry-after': '33' }), 0)).toBe(33_000);
    expect(readRetryAfter(headersOf('generic.retry_after_http_date'), FIXTURE_NOW)).toBe(120_000);
  });

  it('a date in the past is 0; malformed values are no information', () => {
    const past = new Date(FIXTURE_NOW - 60_000).toUTCString();
    expect(readRetryAfter(new Headers({ 'retry-after': past }), FIXTURE_NOW)).toBe(0);
    for (const bad of ['-1', 'NaN', 'soon', '', 'Infinity']) {
      expect(readRetryAfter(new Headers({ 'retry-after': bad }), FIXTURE_NOW)).toBeUndefined();
    }
    expect(readRetryAfter(new Headers({ 'retry-after-ms': '-5' }), 0)).toBeUndefined();
    expect(readRetryAfter(new Headers(), 0)).toBeUndefined();
  });
});
