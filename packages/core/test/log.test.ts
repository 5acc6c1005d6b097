import { afterEach, describe, expect, it, vi } from 'vitest';
import { classify } from '../src/classify/index.js';
import { consoleLogger, logLevelFor, toLogRecord } from '../src/log.js';
import { type Classification, UPSTREAM_ERROR_KINDS, type UpstreamErrorKind } from '../src/types.js';
import { UpstreamHttpError } from '../src/upstream-http-error.js';
import { classification } from './support.js';

const KEY = `sk-proj-${'Qq1_Ww2-Ee3'.repeat(5)}`;
const ANT_KEY = `sk-ant-api03-${'Rr4Tt5Yy6Uu7'.repeat(4)}`;
const GOOGLE_KEY = `AIza${'SyA-1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU'}`;
const ORG = 'org-Z9y8X7w6V5u4T3s2';
const PROJ = 'proj_M1n2B3v4C5x6Z7l8';
const UUID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('log level', () => {
  const expected: Record<UpstreamErrorKind, 'warn' | 'error'> = {
    rate_limited: 'warn',
    overloaded: 'warn',
    request_too_large: 'warn',
    upstream_timeout: 'warn',
    upstream_error: 'warn',
    quota_exhausted: 'error',
    upstream_auth: 'error',
  };
  for (const kind of UPSTREAM_ERROR_KINDS) {
    it(`${kind} → ${expected[kind]}`, () => {
      const c = classification({
        kind,
        retryable: kind !== 'quota_exhausted' && kind !== 'upstream_auth',
      });
      expect(logLevelFor(c)).toBe(expected[kind]);
      expect(toLogRecord(c).level).toBe(expected[kind]);
    });
  }

  it('is error for an upstream error that will never succeed (a human must fix the request)', () => {
    expect(logLevelFor(classification({ kind: 'upstream_error', retryable: false }))).toBe('error');
    expect(logLevelFor(classification({ kind: 'upstream_error', retryable: true }))).toBe('warn');
  });

  it('treats an unknown kind as a non-retryable upstream error', () => {
    expect(
      logLevelFor(classification({ kind: 'bogus' as UpstreamErrorKind, retryable: false })),
    ).toBe('error');
  });
});

describe('log record', () => {
  it('carries everything an operator needs, with a redacted upstream message', () => {
    const c = classification({
      kind: 'rate_limited',
      provider: 'openai',
      retryable: true,
      retryAfterMs: 1146,
      resetAt: Date.parse('2026-11-01T12:00:01.146Z'),
      dimension: 'tokens',
      window: 'minute',
      limit: 50000,
      remaining: 0,
      used: 47949,
      requested: 3006,
      upstreamStatus: 429,
      upstreamCode: 'rate_limit_exceeded',
      upstreamRequestId: 'req_abc123',
      upstreamMessage: `Rate limit reached for gpt-4o-mini in project ${PROJ} organization ${ORG} on tokens per min (TPM): Limit 50000, Used 47949, Requested 3006.`,
    });
    const record = toLogRecord(c, {
      method: 'POST',
      path: '/v1/chat?key=secret#frag',
      requestId: 'r-1',
    });
    expect(record).toEqual({
      level: 'warn',
      msg: 'upstream rate_limited: openai answered 429 (rate_limit_exceeded), responded 503',
      event: 'four29.upstream_error',
      kind: 'rate_limited',
      provider: 'openai',
      retryable: true,
      error: {
        type: 'rate_limited',
        code: 'rate_limit_exceeded',
        message:
          'Rate limit reached for gpt-4o-mini in project [REDACTED] organization [REDACTED] on tokens per min (TPM): Limit 50000, Used 47949, Requested 3006.',
      },
      upstream: {
        status: 429,
        code: 'rate_limit_exceeded',
        requestId: 'req_abc123',
        message:
          'Rate limit reached for gpt-4o-mini in project [REDACTED] organization [REDACTED] on tokens per min (TPM): Limit 50000, Used 47949, Requested 3006.',
      },
      retryAfterMs: 1146,
      resetAt: '2026-11-01T12:00:01.146Z',
      limit: {
        dimension: 'tokens',
        window: 'minute',
        limit: 50000,
        remaining: 0,
        used: 47949,
        requested: 3006,
      },
      downstream: { status: 503 },
      remediation: c.remediation.steps.filter((s) => s.audience !== 'caller').map((s) => s.id),
      http: { method: 'POST', path: '/v1/chat', requestId: 'r-1' },
    });
  });

  it('lists operator and billing-admin step ids, never caller steps', () => {
    const c = classification({
      kind: 'quota_exhausted',
      retryable: false,
      upstreamCode: 'insufficient_quota',
    });
    const record = toLogRecord(c);
    expect(record.remediation).toContain('openai.raise-monthly-budget');
    expect(record.remediation).toContain('openai.new-key-after-upgrade');
    expect(record.remediation).toContain('generic.stop-retrying-quota');
    const rl = toLogRecord(classification({ kind: 'rate_limited' }));
    expect(rl.remediation).not.toContain('generic.retry-after');
    expect(rl.remediation).toContain('generic.backoff-with-jitter');
  });

  it('reports the downstream status from the policy, or from the context when it differs', () => {
    const c = classification({ kind: 'rate_limited' });
    expect(toLogRecord(c).downstream.status).toBe(503);
    expect(toLogRecord(c, undefined, { policy: 'passthrough' }).downstream.status).toBe(429);
    expect(toLogRecord(c, undefined, { policy: { rate_limited: 529 } }).downstream.status).toBe(
      529,
    );
    // A stream that already answered 200.
    expect(toLogRecord(c, { downstreamStatus: 200 }).downstream.status).toBe(200);
    for (const bad of [Number.NaN, 42, 1000, 200.5, '503']) {
      expect(toLogRecord(c, { downstreamStatus: bad as number }).downstream.status).toBe(503);
    }
    expect(toLogRecord(c).msg).toMatch(/responded 503$/);
  });

  it('says "no response" when there was no upstream status (timeouts)', () => {
    const r = toLogRecord(classification({ kind: 'upstream_timeout', provider: 'anthropic' }));
    expect(r.msg).toBe('upstream upstream_timeout: anthropic answered no response, responded 504');
    expect(r.upstream).toEqual({});
  });

  it('drops query strings and fragments from paths, and redacts keys in the path', () => {
    const path = (p: string) => toLogRecord(classification(), { path: p }).http?.path;
    expect(path(`/v1beta/models/gemini:generateContent?key=${GOOGLE_KEY}`)).toBe(
      '/v1beta/models/gemini:generateContent',
    );
    expect(path('/a/b#access_token=abc')).toBe('/a/b');
    expect(path('/a?')).toBe('/a');
    expect(path(`/keys/${KEY}/usage`)).toBe('/keys/[REDACTED]/usage');
    expect(path('?only=query')).toBeUndefined();
    expect(path('/x'.repeat(100_000))?.length).toBeLessThanOrEqual(1001);
    expect(toLogRecord(classification())).not.toHaveProperty('http');
    expect(toLogRecord(classification(), { path: 42 as unknown as string })).not.toHaveProperty(
      'http',
    );
  });

  it('redacts every secret shape from everything it logs', () => {
    const c = classification({
      kind: 'upstream_auth',
      retryable: false,
      upstreamStatus: 401,
      upstreamCode: `invalid_api_key ${KEY}`,
      upstreamRequestId: `req ${ANT_KEY}`,
      upstreamMessage: `Incorrect API key provided: ${KEY}. Also ${ANT_KEY}, ${GOOGLE_KEY}, Bearer ${KEY}, api-key: 0123456789abcdef0123456789abcdef, ${ORG}, ${PROJ}, organization (${UUID}).`,
    });
    const record = toLogRecord(c, { requestId: `id-${KEY}`, path: `/p/${GOOGLE_KEY}` });
    const line = JSON.stringify(record);
    for (const secret of [
      KEY,
      ANT_KEY,
      GOOGLE_KEY,
      ORG,
      PROJ,
      UUID,
      '0123456789abcdef0123456789abcdef',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(record.upstream.message).toContain('Incorrect API key provided: [REDACTED]');
  });

  it('redacts before bounding, so a cut never leaves part of a key', () => {
    for (let pad = 80; pad < 100; pad++) {
      const r = toLogRecord(classification({ upstreamCode: `${'c'.repeat(pad)} ${KEY}` }));
      expect(r.upstream.code).not.toMatch(/sk-/);
      expect(r.upstream.code?.length).toBeLessThanOrEqual(101);
    }
  });

  it('applies custom redaction options', () => {
    const c = classification({ upstreamMessage: 'tenant acme-corp-42 over limit' });
    const r = toLogRecord(c, undefined, {
      redaction: { patterns: [/acme-corp-\d+/], replacement: '<t>' },
    });
    expect(r.upstream.message).toBe('tenant <t> over limit');
  });

  it('keeps the record JSON-clean for hostile numbers and strings', () => {
    const c = classification({
      retryAfterMs: Number.NaN,
      resetAt: Number.POSITIVE_INFINITY,
      limit: Number.NEGATIVE_INFINITY,
      remaining: Number.NaN,
      used: -5,
      requested: Number.MAX_VALUE * 2,
      upstreamStatus: 4290,
      upstreamMessage: 'x'.repeat(10_000_000),
      upstreamCode: '',
      provider: 'p'.repeat(100_000),
      dimension: 'd'.repeat(10_000),
    });
    const record = toLogRecord(c);
    const line = JSON.stringify(record);
    expect(line).not.toContain('null');
    expect(record).not.toHaveProperty('retryAfterMs');
    expect(record).not.toHaveProperty('resetAt');
    expect(record.upstream).not.toHaveProperty('status');
    expect(record.upstream.message?.length).toBe(1001);
    expect(record.provider.length).toBeLessThanOrEqual(65);
    expect(line.length).toBeLessThan(4000);
  });

  it('drops remediation ids that are not labels', () => {
    const c = classification({
      remediation: {
        causes: [],
        steps: [
          { id: 'ok.step', title: 't', detail: 'd', audience: 'operator' },
          { id: KEY, title: 't', detail: 'd', audience: 'operator' },
          { id: 'has spaces', title: 't', detail: 'd', audience: 'operator' },
          { id: 'c.step', title: 't', detail: 'd', audience: 'caller' },
          null as never,
        ],
      },
    });
    expect(toLogRecord(c).remediation).toEqual(['ok.step']);
    const none = { ...classification(), remediation: undefined } as unknown as Classification;
    expect(toLogRecord(none).remediation).toEqual([]);
  });
});

describe('consoleLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one JSON line with one level and one msg, on the stream matching the level', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { level: _l, msg, ...fields } = toLogRecord(classification({ kind: 'quota_exhausted' }));
    consoleLogger.error(fields, msg);
    expect(warn).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0]?.[0]);
    expect(line).not.toContain('\n');
    expect(line.match(/"level":/g)).toHaveLength(1);
    expect(line.match(/"msg":/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ level: 'error', msg, kind: 'quota_exhausted' });

    consoleLogger.warn({ kind: 'rate_limited' }, 'hello');
    expect(JSON.parse(String(warn.mock.calls[0]?.[0]))).toEqual({
      level: 'warn',
      msg: 'hello',
      kind: 'rate_limited',
    });
  });
});

describe('log record of a classification classify() made', () => {
  // classify() redacts the upstream message once; the log record reuses it only while it is still
  // that exact string, and runs extra patterns over it all the same.
  const thrown = new UpstreamHttpError({
    status: 429,
    body: {
      error: {
        message: `Rate limit reached for ${ORG} with key ${KEY}`,
        code: 'rate_limit_exceeded',
      },
    },
  });

  it('carries the message classify() redacted', () => {
    const c = classify(thrown) as Classification;
    expect(c.upstreamMessage).toBe('Rate limit reached for [REDACTED] with key [REDACTED]');
    expect(toLogRecord(c).upstream.message).toBe(c.upstreamMessage);
  });

  it('redacts an upstream request id shaped like a key, wherever it came from', () => {
    for (const thrown of [
      new UpstreamHttpError({ status: 429, headers: { 'x-request-id': KEY } }),
      new UpstreamHttpError({ status: 429, body: { error: { message: 'x' }, request_id: KEY } }),
    ]) {
      const c = classify(thrown) as Classification;
      expect(c.upstreamRequestId).toBe('[REDACTED]');
      expect(JSON.stringify(toLogRecord(c))).not.toContain(KEY);
    }
    const ok = classify(
      new UpstreamHttpError({ status: 429, headers: { 'x-request-id': 'req_1a2b' } }),
    );
    expect(ok?.upstreamRequestId).toBe('req_1a2b');
  });

  it('redacts a message put on the classification afterwards, or on a copy', () => {
    const c = classify(thrown) as Classification;
    const copy: Classification = { ...c, upstreamMessage: `leaked ${KEY} ${PROJ}` };
    expect(toLogRecord(copy).upstream.message).toBe('leaked [REDACTED] [REDACTED]');
    // The classification itself is frozen: what classify redacted stays what is logged.
    expect(() => {
      (c as { upstreamMessage?: string }).upstreamMessage = `leaked ${ANT_KEY}`;
    }).toThrow(TypeError);
    expect(toLogRecord(c).upstream.message).toBe(c.upstreamMessage);
  });

  it('reads a hand-built message once, so a getter cannot pass a check and then hand over a key', () => {
    const c = classify(thrown) as Classification;
    let reads = 0;
    const copy = Object.defineProperty({ ...c }, 'upstreamMessage', {
      get: () => (reads++ === 0 ? c.upstreamMessage : `raw ${KEY}`),
    });
    expect(toLogRecord(copy).upstream.message).toBe(c.upstreamMessage);
    expect(reads).toBe(1);
  });

  it('still applies extra redaction patterns to it', () => {
    const c = classify(thrown) as Classification;
    expect(toLogRecord(c, {}, { redaction: { patterns: [/Rate limit/] } }).upstream.message).toBe(
      '[REDACTED] reached for [REDACTED] with key [REDACTED]',
    );
  });
});
