import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { describe, expect, it } from 'vitest';
import {
  parseGoDuration,
  parseRfc3339,
  readBudgets,
  readRetryAfter,
} from '../../src/resilience/headers.js';

function headersOf(id: string, now = FIXTURE_NOW): Headers {
  return new Headers(fixtureById(id).respond(now).headers);
}

function budget(headers: Headers, name: string, now = FIXTURE_NOW) {
  return readBudgets(headers, now).find((b) => b.name === name);
}

describe('parseGoDuration', () => {
  it.each([
    ['1s', 1000],
    ['12ms', 12],
    ['1.146s', 1146],
    ['6m0s', 360_000],
    ['2m59.56s', 179_560],
    ['23h47m36.648s', 85_656_648],
    ['500us', 0.5],
    ['0s', 0],
    ['55', 55_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 6);
  });

  it.each([
    '',
    '-1s',
    'abc',
    '1x',
    '1s2',
    'NaN',
    'Infinity',
    '1e3s',
    's',
    ' ',
    '1 s',
    `${'9'.repeat(70)}s`,
  ])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('parseRfc3339', () => {
  it('reads Anthropic resets and rejects what Date.parse would guess at', () => {
    expect(parseRfc3339('2025-08-21T12:40:59Z')).toBe(Date.UTC(2025, 7, 21, 12, 40, 59));
    expect(parseRfc3339('2025-08-21T12:40:59.250+02:00')).toBe(
      Date.UTC(2025, 7, 21, 10, 40, 59, 250),
    );
    for (const bad of [
      '2026',
      '1',
      '2025-08-21',
      'Thu, 01 Jan 2026 00:00:00 GMT',
      '2025-13-45T99:99:99Z',
    ]) {
      expect(parseRfc3339(bad)).toBeUndefined();
    }
  });
});

describe('readBudgets on real provider responses', () => {
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

  it('Azure: integer-second x-rate-limit-reset-tokens when the Go-style reset is missing', () => {
    const h = headersOf('azure.rate_limit.reset_header_only');
    expect(budget(h, 'tokens')).toMatchObject({ remaining: 0, resetMs: 55_000 });
    expect(budget(h, 'requests')).toMatchObject({ remaining: 119 });
    expect(budget(h, 'requests')?.resetMs).toBeUndefined();
  });

  it('Anthropic: RFC 3339 resets read against the clock', () => {
    const h = headersOf('anthropic.rate_limit.requests');
    expect(budget(h, 'anthropic:requests')).toEqual({
      name: 'anthropic:requests',
      limit: 50,
      remaining: 0,
      resetMs: 7000,
      refill: 'bucket',
      countsRequests: true,
    });
    expect(budget(h, 'anthropic:input-tokens')).toMatchObject({
      limit: 30_000,
      remaining: 29_000,
      countsRequests: false,
    });
    expect(
      budget(headersOf('anthropic.rate_limit.output_tokens_reset_only'), 'anthropic:output-tokens'),
    ).toMatchObject({
      remaining: 0,
      resetMs: 42_000,
    });
  });

  it("Anthropic: absolute resets use the server's Date header when our clock is off", () => {
    const h = headersOf('anthropic.rate_limit.requests');
    h.set('date', new Date(FIXTURE_NOW).toUTCString());
    // Our clock runs 5 minutes ahead of the server's: without Date the reset would look past.
    expect(budget(h, 'anthropic:requests', FIXTURE_NOW + 300_000)?.resetMs).toBe(7000);
  });

  it('GitHub: x-ratelimit-reset in epoch seconds is not read as a delay', () => {
    const h = headersOf('github.primary_rate_limit');
    expect(budget(h, 'x-ratelimit:core')).toEqual({
      name: 'x-ratelimit:core',
      limit: 5000,
      remaining: 0,
      resetMs: 1_800_000,
      refill: 'window',
      countsRequests: true,
    });
  });

  it('IETF draft 10 structured fields, with the quota from RateLimit-Policy', () => {
    const h = headersOf('generic.ietf_ratelimit');
    expect(readBudgets(h, FIXTURE_NOW)).toEqual([
      {
        name: 'ietf:burst',
        limit: 100,
        remaining: 0,
        resetMs: 30_000,
        refill: 'window',
        countsRequests: true,
      },
    ]);
  });

  it('IETF drafts 07-08 dictionary and draft 06 separate headers', () => {
    expect(readBudgets(new Headers({ ratelimit: 'limit=100, remaining=7, reset=12' }), 0)).toEqual([
      {
        name: 'ietf',
        limit: 100,
        remaining: 7,
        resetMs: 12_000,
        refill: 'window',
        countsRequests: true,
      },
    ]);
    expect(budget(headersOf('generic.ratelimit_draft06'), 'ietf')).toMatchObject({
      limit: 60,
      remaining: 0,
      resetMs: 42_000,
    });
  });

  it('IETF: byte quotas do not count requests and concurrency quotas are not time budgets', () => {
    const h = new Headers({
      'ratelimit-policy':
        '"bytes";q=1000;w=60;qu="content-bytes", "conc";q=5;qu="concurrent-requests"',
      ratelimit: '"bytes";r=0;t=5, "conc";r=0;t=1',
    });
    expect(readBudgets(h, 0)).toEqual([
      {
        name: 'ietf:bytes',
        limit: 1000,
        remaining: 0,
        resetMs: 5000,
        refill: 'window',
        countsRequests: false,
      },
    ]);
  });

  it('responses without rate-limit headers report nothing', () => {
    expect(readBudgets(headersOf('openai.insufficient_quota'), FIXTURE_NOW)).toEqual([]);
    expect(readBudgets(new Headers(), 0)).toEqual([]);
  });
});

describe('readBudgets on malformed headers', () => {
  it('ignores values that are not non-negative numbers, durations or timestamps', () => {
    const h = new Headers({
      'x-ratelimit-limit-requests': 'lots',
      'x-ratelimit-remaining-requests': '-1',
      'x-ratelimit-reset-requests': 'NaN',
      'x-ratelimit-remaining-tokens': '12abc',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2026',
      'ratelimit-remaining': 'Infinity',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '-30',
    });
    expect(readBudgets(h, 0)).toEqual([
      { name: 'anthropic:requests', remaining: 0, refill: 'bucket', countsRequests: true },
      { name: 'x-ratelimit:default', remaining: 0, refill: 'window', countsRequests: true },
    ]);
  });

  it('survives garbage structured fields and bounds the number of budgets', () => {
    const garbage = new Headers({
      ratelimit: ';;;,,,"unterminated;r=1;t=',
      'ratelimit-policy': '"',
    });
    expect(() => readBudgets(garbage, 0)).not.toThrow();
    const many = Array.from({ length: 200 }, (_, i) => `"p${i}";r=0;t=1`).join(', ');
    expect(readBudgets(new Headers({ ratelimit: many }), 0).length).toBeLessThanOrEqual(16);
    const wide = new Headers();
    for (let i = 0; i < 100; i++) wide.set(`x-ratelimit-remaining-d${i}`, '0');
    expect(readBudgets(wide, 0).length).toBeLessThanOrEqual(16);
  });

  it('caps absurd resets and ignores oversized headers', () => {
    const far = readBudgets(
      new Headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': '999999999' }),
      0,
    );
    expect(far[0]?.resetMs).toBeLessThanOrEqual(35 * 24 * 3600 * 1000);
    expect(readBudgets(new Headers({ 'ratelimit-remaining': `1${'0'.repeat(5000)}` }), 0)).toEqual(
      [],
    );
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
    for (const bad of ['-1', 'NaN', 'soon', '', '1e3', 'Infinity']) {
      expect(readRetryAfter(new Headers({ 'retry-after': bad }), FIXTURE_NOW)).toBeUndefined();
    }
    expect(readRetryAfter(new Headers({ 'retry-after-ms': '-5' }), 0)).toBeUndefined();
    expect(readRetryAfter(new Headers(), 0)).toBeUndefined();
  });
});
