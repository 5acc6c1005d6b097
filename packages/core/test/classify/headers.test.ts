import { FIXTURE_NOW } from '@four29/fixtures';
import { describe, expect, it, vi } from 'vitest';
import {
  normalizeHeaders,
  parseDurationMs,
  parseResetMs,
  parseRetryAfter,
  parseRfc3339,
  readRateLimitHeaders,
} from '../../src/classify/index.js';

const NOW = FIXTURE_NOW;

describe('parseDurationMs (Go and protobuf durations)', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['12ms', 12],
    ['1.146s', 1146],
    ['23h47m36.648s', (23 * 3600 + 47 * 60 + 36.648) * 1000],
    ['2m59.56s', 179_560],
    ['47.884324799s', 47_884.324799],
    ['0s', 0],
    ['0', 0],
    ['500us', 0.5],
    ['1h', 3_600_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBeCloseTo(ms, 6);
  });

  it.each([
    '6', // a bare number has no unit: callers decide
    '',
    ' ',
    '-1s',
    '1 s',
    's',
    '1x',
    '2026-09-11T06:27:29Z',
    '1.2.3s',
    'NaN',
    'Infinity',
    `${'9'.repeat(400)}s`,
  ])('%j → undefined', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });

  it('never reads "6m0s" as 6 or "2m59.56s" as 2000', () => {
    expect(parseDurationMs('6m0s')).not.toBe(6);
    expect(parseDurationMs('2m59.56s')).not.toBe(2000);
  });

  it('ignores non-strings', () => {
    expect(parseDurationMs(5)).toBeUndefined();
    expect(parseDurationMs(null)).toBeUndefined();
  });
});

describe('parseRetryAfter (RFC 9110)', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('20', NOW)).toBe(20_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
    expect(parseRetryAfter('2026', NOW)).toBe(2_026_000);
  });

  it('reads an IMF-fixdate, RFC 850 and asctime HTTP-date relative to now', () => {
    const in90s = new Date(NOW + 90_000);
    expect(parseRetryAfter(in90s.toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter('Sunday, 01-Nov-26 12:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Sun Nov  1 12:02:00 2026', NOW)).toBe(120_000);
  });

  it('turns a date in the past into 0, not a negative delay', () => {
    expect(parseRetryAfter(new Date(NOW - 60_000).toUTCString(), NOW)).toBe(0);
  });

  it('reads an HTTP-date against Date.now() when no clock is given (or a broken one)', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    try {
      const in90s = new Date(NOW + 90_000).toUTCString();
      expect(parseRetryAfter(in90s)).toBe(90_000);
      expect(parseRetryAfter(in90s, Number.NaN)).toBe(90_000);
      expect(parseRetryAfter('20')).toBe(20_000);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    '2026-11-01T12:01:00Z', // not an HTTP-date, and never parseFloat'ed into 2026
    'Nov 2026',
    '-5',
    'soon',
    '6m0s',
    '',
    '1e3',
    'Sun, 01 Nov 2026 12:01:00 GMT\r\nSet-Cookie: x=1',
  ])('%j → undefined', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('parseResetMs (reset headers of every provider)', () => {
  it('reads Go durations (OpenAI, Groq)', () => {
    expect(parseResetMs('6m0s', NOW)).toBe(360_000);
    expect(parseResetMs('2m59.56s', NOW)).toBe(179_560);
  });

  it('reads small integers as delta seconds (Azure, IETF drafts)', () => {
    expect(parseResetMs('55', NOW)).toBe(55_000);
  });

  it('reads epoch seconds (GitHub) as an absolute time, not a delay', () => {
    const epochSeconds = String(Math.floor(NOW / 1000) + 1800);
    expect(parseResetMs(epochSeconds, NOW)).toBe(1_800_000);
  });

  it('reads epoch milliseconds (OpenRouter) as an absolute time', () => {
    expect(parseResetMs(String(NOW + 5000), NOW)).toBe(5000);
  });

  it('reads RFC 3339 (Anthropic), with any fraction length and offset', () => {
    expect(parseResetMs('2026-11-01T12:00:18Z', NOW)).toBe(18_000);
    expect(parseResetMs('2026-11-01T12:00:18.123456789Z', NOW)).toBe(18_123);
    expect(parseResetMs('2026-11-01T13:00:18+01:00', NOW)).toBe(18_000);
    expect(parseRfc3339('2026-11-01T12:00:18')).toBeUndefined();
  });

  it('turns a past reset into 0', () => {
    expect(parseResetMs('2026-11-01T11:00:00Z', NOW)).toBe(0);
    expect(parseResetMs(String(Math.floor(NOW / 1000) - 10), NOW)).toBe(0);
  });

  it('rejects garbage', () => {
    for (const v of ['', 'tomorrow', '-3', 'NaN', '1e9', '12:00']) {
      expect(parseResetMs(v, NOW), v).toBeUndefined();
    }
  });
});

describe('normalizeHeaders', () => {
  it('lower-cases any container and joins array values', () => {
    const fromObject = normalizeHeaders({ 'Retry-After': '5', 'X-Multi': ['a', 'b'], N: 3 });
    expect([...fromObject]).toEqual([
      ['retry-after', '5'],
      ['x-multi', 'a, b'],
      ['n', '3'],
    ]);
    expect(normalizeHeaders(new Headers({ 'Retry-After': '5' })).get('retry-after')).toBe('5');
    expect(normalizeHeaders(new Map([['Retry-After', '5']])).get('retry-after')).toBe('5');
  });

  it('keeps the first of two keys differing only in case', () => {
    expect(normalizeHeaders({ 'retry-after': '1', 'Retry-After': '2' }).get('retry-after')).toBe(
      '1',
    );
  });

  it('reads at most 256 entries of a huge header set', () => {
    const huge: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) huge[`x-h-${i}`] = 'v';
    expect(normalizeHeaders(huge).size).toBe(256);
    const endless = {
      entries: () => ({ next: () => ({ done: false, value: ['x', 'y'] }) }),
    };
    expect(normalizeHeaders(endless).size).toBe(1);
  });

  it('reads a genuine Headers the same as any other container, whatever wraps or overrides it', () => {
    const init = {
      'Retry-After': '5',
      'X-RateLimit-Remaining-Tokens': '0',
      'X-Long': 'v'.repeat(5000),
    };
    const expected = [...normalizeHeaders(new Map(Object.entries(init)))];
    expect([...normalizeHeaders(new Headers(init))].sort()).toEqual(expected.sort());
    // A subclass is read through what its own entries() yields, or nothing.
    class Lying extends Headers {
      override forEach(): void {
        throw new Error('overridden');
      }
      override entries(): HeadersIterator<[string, string]> {
        throw new Error('overridden');
      }
    }
    expect(normalizeHeaders(new Lying(init)).size).toBe(0);
    class Plain extends Headers {}
    expect(normalizeHeaders(new Plain(init)).get('retry-after')).toBe('5');
    // A Proxy fails undici's brand check inside entries(): nothing is read, and nothing throws.
    const proxied = new Proxy(new Headers(init), {});
    expect(normalizeHeaders(proxied).size).toBe(0);
    const entriesOnly = new Proxy(new Headers(init), {
      get: (target, key) => {
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    expect(normalizeHeaders(entriesOnly).get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(normalizeHeaders(entriesOnly).get('x-long')?.length).toBe(4096);
  });

  it('never trusts a runtime Headers that checks less than Node 20 does (Node 18, polyfills)', async () => {
    // whatwg-fetch's forEach reads `this.map` without a brand check; undici 5 (Node 18) iterates
    // `this`. Either would read a plain object as empty, or hand over whatever a Proxy yields.
    class LaxHeaders {
      map: Record<string, string> = {};
      forEach(cb: (value: unknown, name: unknown) => void): void {
        for (const name in this.map) cb(this.map[name], name);
        const self = this as unknown as Partial<Iterable<[unknown, unknown]>>;
        if (typeof self[Symbol.iterator] === 'function')
          for (const [name, value] of self as Iterable<[unknown, unknown]>) cb(value, name);
      }
    }
    vi.stubGlobal('Headers', LaxHeaders);
    vi.resetModules();
    try {
      const fresh = await import('../../src/classify/headers.js');
      expect(fresh.normalizeHeaders({ 'Retry-After': '30' }).get('retry-after')).toBe('30');
      expect(fresh.normalizeHeaders(new Map([['retry-after', '30']])).get('retry-after')).toBe(
        '30',
      );
      const junk = new Proxy(Object.create(LaxHeaders.prototype) as object, {
        get: (_t, key) =>
          key === Symbol.iterator
            ? function* () {
                yield [
                  Symbol('name'),
                  {
                    toString: () => {
                      throw new Error('boom');
                    },
                  },
                ];
              }
            : key === 'map'
              ? {}
              : undefined,
      });
      expect(() => fresh.normalizeHeaders(junk)).not.toThrow();
      expect(() => fresh.readRateLimitHeaders(junk)).not.toThrow();
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });

  it('reads at most 256 entries of a huge Headers', () => {
    const h = new Headers();
    for (let i = 0; i < 400; i++) h.set(`x-h-${i}`, 'v');
    expect(normalizeHeaders(h).size).toBe(256);
  });

  it('ignores non-string values and non-containers', () => {
    expect(normalizeHeaders({ a: { b: 1 }, c: null, d: Symbol('x') }).size).toBe(0);
    expect(normalizeHeaders('retry-after: 5').size).toBe(0);
    expect(normalizeHeaders(null).size).toBe(0);
  });
});

describe('readRateLimitHeaders', () => {
  it('reads OpenAI buckets with Go-duration resets', () => {
    const r = readRateLimitHeaders(
      {
        'x-ratelimit-limit-requests': '5000',
        'x-ratelimit-remaining-requests': '4999',
        'x-ratelimit-reset-requests': '12ms',
        'x-ratelimit-limit-tokens': '50000',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': '1.146s',
      },
      NOW,
    );
    expect(r.retryAfterMs).toBeUndefined();
    expect(r.limits).toEqual([
      { dimension: 'requests', limit: 5000, remaining: 4999, resetAfterMs: 12 },
      { dimension: 'tokens', limit: 50000, remaining: 0, resetAfterMs: 1146 },
    ]);
  });

  it('reads Anthropic buckets with RFC 3339 resets', () => {
    const r = readRateLimitHeaders(
      new Headers({
        'anthropic-ratelimit-input-tokens-limit': '20000',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': '2026-11-01T12:00:18Z',
      }),
      NOW,
    );
    expect(r.limits).toEqual([
      { dimension: 'input_tokens', limit: 20000, remaining: 0, resetAfterMs: 18_000 },
    ]);
  });

  it('reads Azure integer-second resets', () => {
    const r = readRateLimitHeaders({ 'x-rate-limit-reset-tokens': '55' }, NOW);
    expect(r.limits).toEqual([{ dimension: 'tokens', resetAfterMs: 55_000 }]);
  });

  it('reads GitHub epoch resets as absolute', () => {
    const r = readRateLimitHeaders(
      {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(Math.floor(NOW / 1000) + 60),
      },
      NOW,
    );
    expect(r.limits).toEqual([{ limit: 5000, remaining: 0, used: 5000, resetAfterMs: 60_000 }]);
  });

  it('reads the IETF RateLimit / RateLimit-Policy structured fields', () => {
    const r = readRateLimitHeaders(
      {
        'RateLimit-Policy': '"burst";q=100;w=60,"daily";q=1000;w=86400',
        RateLimit: '"daily";r=12;t=3000, "burst";r=0;t=30',
      },
      NOW,
    );
    expect(r.limits).toEqual([
      { policy: 'daily', remaining: 12, resetAfterMs: 3_000_000, limit: 1000, window: 'day' },
      { policy: 'burst', remaining: 0, resetAfterMs: 30_000, limit: 100, window: 'minute' },
    ]);
  });

  it('reads the older IETF drafts', () => {
    expect(
      readRateLimitHeaders(
        { 'RateLimit-Limit': '100, 100;w=60', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '7' },
        NOW,
      ).limits,
    ).toEqual([{ limit: 100, remaining: 0, resetAfterMs: 7000 }]);
    expect(
      readRateLimitHeaders({ RateLimit: 'limit=10, remaining=0, reset=4' }, NOW).limits,
    ).toEqual([{ limit: 10, remaining: 0, resetAfterMs: 4000 }]);
  });

  it('prefers retry-after-ms over retry-after', () => {
    expect(readRateLimitHeaders({ 'retry-after-ms': '1500', 'retry-after': '2' }, NOW)).toEqual({
      retryAfterMs: 1500,
      limits: [],
    });
    expect(readRateLimitHeaders({ 'retry-after-ms': 'x', 'retry-after': '2' }, NOW)).toEqual({
      retryAfterMs: 2000,
      limits: [],
    });
  });

  it('drops negative, absurd and garbage values (Azure sometimes sends -1)', () => {
    const r = readRateLimitHeaders(
      {
        'x-ratelimit-limit-tokens': '-1',
        'x-ratelimit-remaining-tokens': '-1',
        'x-ratelimit-reset-tokens': '99999999999s',
        'retry-after': '99999999999',
      },
      NOW,
    );
    expect(r).toEqual({ limits: [{ dimension: 'tokens' }] });
  });
});
