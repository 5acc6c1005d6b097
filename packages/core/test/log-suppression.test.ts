import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { guardClassification } from '../src/classification-guard.js';
import { createUpstreamErrorHandler } from '../src/handler.js';
import { buildLogRecord, logKeyOf, redactionSettings, toLogRecord } from '../src/log.js';
import { createLogSuppression, withLogSuppression } from '../src/log-suppression.js';
import { DEFAULT_POLICY } from '../src/problem.js';
import {
  type Classification,
  type Four29Logger,
  type LogRecord,
  UPSTREAM_ERROR_KINDS,
} from '../src/types.js';
import { UpstreamHttpError } from '../src/upstream-http-error.js';

interface Line {
  readonly level: 'warn' | 'error';
  readonly obj: Record<string, unknown>;
  readonly msg: string | undefined;
}

function spyLogger(): Four29Logger & { lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

function classification(over: Partial<Classification> = {}): Classification {
  return {
    kind: 'quota_exhausted',
    provider: 'openai',
    retryable: false,
    upstreamStatus: 429,
    upstreamCode: 'insufficient_quota',
    remediation: { causes: [], steps: [] },
    ...over,
  };
}

/** Sends a record the way the handler does: level and msg split off. */
function log(logger: Four29Logger, record: LogRecord): void {
  const { level, msg, ...fields } = record;
  if (level === 'error') logger.error(fields, msg);
  else logger.warn(fields, msg);
}

const quota = toLogRecord(classification(), { path: '/v1/chat', requestId: 'r1' });
const rateLimited = toLogRecord(
  classification({ kind: 'rate_limited', retryable: true, upstreamCode: 'rate_limit_exceeded' }),
);

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-01T12:00:00.000Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('withLogSuppression', () => {
  it('turns a storm of N identical events into the first event and one summary of N-1', async () => {
    const sink = spyLogger();
    const logger = withLogSuppression(sink, { windowMs: 10_000 });
    const N = 5000;
    for (let i = 0; i < N; i++) log(logger, quota);
    expect(sink.lines).toHaveLength(1);
    expect(sink.lines[0]?.obj).toMatchObject({
      event: 'four29.upstream_error',
      kind: 'quota_exhausted',
    });
    expect(sink.lines[0]?.obj.http).toEqual({ path: '/v1/chat', requestId: 'r1' });

    await vi.advanceTimersByTimeAsync(9_999);
    expect(sink.lines).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.lines).toHaveLength(2);
    expect(sink.lines[1]).toEqual({
      level: 'error',
      obj: {
        event: 'four29.upstream_error.suppressed',
        kind: 'quota_exhausted',
        provider: 'openai',
        upstream: { status: 429, code: 'insufficient_quota' },
        suppressed: N - 1,
        windowMs: 10_000,
        since: '2026-11-01T12:00:00.000Z',
      },
      msg: `upstream quota_exhausted: ${N - 1} more like the last from openai 429 (insufficient_quota) in 10s, not logged one by one`,
    });
  });

  it('logs the first event of each kind, provider and upstream code', () => {
    const sink = spyLogger();
    const logger = withLogSuppression(sink, {});
    const anthropic = toLogRecord(
      classification({ provider: 'anthropic', upstreamCode: 'billing_error', upstreamStatus: 400 }),
    );
    for (let i = 0; i < 3; i++) {
      log(logger, quota);
      log(logger, rateLimited);
      log(logger, anthropic);
    }
    expect(sink.lines.map((l) => [l.obj.kind, l.obj.provider])).toEqual([
      ['quota_exhausted', 'openai'],
      ['rate_limited', 'openai'],
      ['quota_exhausted', 'anthropic'],
    ]);
  });

  it('a lone event gets no summary, and the next window starts with a full event', async () => {
    const sink = spyLogger();
    const logger = withLogSuppression(sink, { windowMs: 1000 });
    log(logger, quota);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sink.lines).toHaveLength(1);
    log(logger, quota);
    log(logger, quota);
    expect(sink.lines).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.lines.map((l) => l.obj.suppressed)).toEqual([undefined, undefined, 1]);
  });

  it('emits a pending summary before the next event when the clock is past the window', () => {
    let now = 0;
    const sink = spyLogger();
    const logger = withLogSuppression(sink, { windowMs: 1000 }, () => now);
    log(logger, quota);
    log(logger, quota);
    now = 1500;
    log(logger, quota);
    expect(sink.lines.map((l) => l.obj.event)).toEqual([
      'four29.upstream_error',
      'four29.upstream_error.suppressed',
      'four29.upstream_error',
    ]);
    expect(sink.lines[1]?.obj.suppressed).toBe(1);
  });

  it('defaults to a 60 s window', async () => {
    const sink = spyLogger();
    const logger = withLogSuppression(sink, undefined);
    log(logger, quota);
    log(logger, quota);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(sink.lines).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.lines[1]?.obj).toMatchObject({ suppressed: 1, windowMs: 60_000 });
  });

  it('a window beyond what a timer can wait (2^31 - 1 ms) is clamped, not closed at once', async () => {
    const sink = spyLogger();
    const logger = withLogSuppression(sink, { windowMs: 1e10 });
    for (let i = 0; i < 3; i++) log(logger, quota);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sink.lines).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_147_483_647 - 60_000);
    expect(sink.lines).toHaveLength(2);
    expect(sink.lines[1]?.obj).toMatchObject({ suppressed: 2, windowMs: 2_147_483_647 });
  });

  it('false turns it off, and nonsense windows fall back to the default', () => {
    const sink = spyLogger();
    expect(withLogSuppression(sink, false)).toBe(sink);
    for (const windowMs of [Number.NaN, -1, 0, Number.POSITIVE_INFINITY]) {
      const s = spyLogger();
      const logger = withLogSuppression(s, { windowMs });
      log(logger, quota);
      log(logger, quota);
      expect(s.lines).toHaveLength(1);
    }
  });

  it('bounds memory: beyond maxKeys the oldest key is summarized and forgotten', () => {
    const sink = spyLogger();
    const logger = withLogSuppression(sink, { maxKeys: 2 });
    const records = ['a', 'b', 'c'].map((code) =>
      toLogRecord(classification({ upstreamCode: code })),
    );
    log(logger, records[0] as LogRecord);
    log(logger, records[0] as LogRecord);
    log(logger, records[1] as LogRecord);
    log(logger, records[2] as LogRecord);
    expect(sink.lines.map((l) => [l.obj.event, (l.obj.upstream as { code: string }).code])).toEqual(
      [
        ['four29.upstream_error', 'a'],
        ['four29.upstream_error', 'b'],
        ['four29.upstream_error', 'c'],
        ['four29.upstream_error.suppressed', 'a'],
      ],
    );
    // 'a' was forgotten, so it logs in full again.
    log(logger, records[0] as LogRecord);
    expect(sink.lines).toHaveLength(5);
  });

  it('the summary timer is unref’d so it never keeps a process alive', () => {
    const unref = vi.fn();
    const realSetTimeout = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      fn: () => void,
      ms?: number,
    ) => {
      const timer = realSetTimeout(fn, ms);
      return Object.assign(timer, { unref });
    }) as unknown as typeof setTimeout);
    try {
      const logger = withLogSuppression(spyLogger(), {});
      log(logger, quota);
      expect(spy).not.toHaveBeenCalled();
      log(logger, quota);
      log(logger, quota);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(unref).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('passes other records through and survives throwing loggers and hostile records', async () => {
    const sink = spyLogger();
    const logger = withLogSuppression(sink, { windowMs: 1000 });
    logger.warn({ hello: 'world' }, 'not ours');
    logger.warn({ hello: 'world' }, 'not ours');
    expect(sink.lines).toHaveLength(2);
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
      },
    );
    expect(() => logger.error(hostile as Record<string, unknown>, 'x')).not.toThrow();

    const broken = withLogSuppression(
      {
        warn: () => {
          throw new Error('logger down');
        },
        error: () => {
          throw new Error('logger down');
        },
      },
      { windowMs: 1000 },
    );
    expect(() => {
      log(broken, quota);
      log(broken, quota);
    }).not.toThrow();
    // The summary is emitted from a timer: a throwing logger there must not become an uncaught error.
    await vi.advanceTimersByTimeAsync(1000);
  });
});

describe('log suppression in the handler', () => {
  it('counts repeats without logging them, and their records are still there when read', async () => {
    const sink = spyLogger();
    const handle = createUpstreamErrorHandler({
      logger: sink,
      logSuppression: { windowMs: 10_000 },
    });
    const thrown = new UpstreamHttpError({
      status: 429,
      body: { error: { message: 'Slow down', code: 'rate_limit_exceeded' } },
    });
    const first = handle(thrown, { method: 'POST', path: '/chat' });
    const repeats = Array.from({ length: 4 }, () =>
      handle(thrown, { method: 'POST', path: '/chat' }),
    );
    expect(sink.lines).toHaveLength(1);
    const { level, msg, ...fields } = first?.log ?? ({} as LogRecord);
    expect(sink.lines[0]).toEqual({ level, obj: fields, msg });
    for (const r of repeats) expect(r?.log).toEqual(first?.log);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sink.lines).toHaveLength(2);
    expect(sink.lines[1]?.obj).toMatchObject({
      event: 'four29.upstream_error.suppressed',
      kind: 'rate_limited',
      suppressed: 4,
    });
  });

  it('keys a classification exactly as the logger wrapper keys its record', () => {
    // countRepeat(logKeyOf(c)) must find the window that logging buildLogRecord(c) opened, for
    // any classification (guarded, as the handler's own always are), or the handler would count a
    // repeat in the wrong window or none.
    const text = fc.oneof(
      fc.constantFrom('openai', 'anthropic', 'generic', 'OpenAI', ' google ', 'org-FAKEorg0000'),
      fc.string({ maxLength: 120 }),
    );
    const anyClassification = fc.record({
      kind: fc.oneof(fc.constantFrom(...UPSTREAM_ERROR_KINDS), fc.string({ maxLength: 5 })),
      provider: text,
      retryable: fc.boolean(),
      upstreamStatus: fc.option(fc.oneof(fc.integer({ min: 0, max: 700 }), fc.double()), {
        nil: undefined,
      }),
      upstreamCode: fc.option(text, { nil: undefined }),
    });
    fc.assert(
      fc.property(anyClassification, fc.boolean(), (over, customRedaction) => {
        const c = guardClassification(classification(over as Partial<Classification>));
        const settings = {
          policy: DEFAULT_POLICY,
          redaction: customRedaction
            ? redactionSettings({ patterns: [/a/], replacement: '#' })
            : undefined,
        };
        const { logger, countRepeat } = createLogSuppression(spyLogger());
        expect(countRepeat(logKeyOf(c, settings))).toBe(false);
        log(logger, buildLogRecord(c, {}, settings));
        expect(countRepeat(logKeyOf(c, settings))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});
