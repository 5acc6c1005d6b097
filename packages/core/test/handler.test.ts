import { FIXTURE_NOW, fixtures } from '@four29/fixtures';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Classification, ClassifyOptions, Four29Logger } from '../src/index.js';
import { classification } from './support.js';

/*
 * The handler is tested with hand-built classifications, so these tests pin down the handler's own
 * decisions (handle or not, render, log, survive broken collaborators) independently of the
 * classifier. classify is replaced by a controllable double whose answers go through the guard,
 * so they are what the real classify returns: frozen, redacted, in range. Everything else is the
 * real code.
 */
const classifyMock = vi.hoisted(() =>
  vi.fn<(thrown: unknown, options?: ClassifyOptions) => Classification | null>(),
);
vi.mock('../src/classify/index.js', async (importOriginal) => {
  const { guardClassification } = await import('../src/classification-guard.js');
  return {
    ...(await importOriginal<typeof import('../src/classify/index.js')>()),
    classify: (thrown: unknown, options?: ClassifyOptions) => {
      const c = classifyMock(thrown, options);
      return c === null ? null : guardClassification(c);
    },
    // What the handler calls: the same classification, its message handed over raw.
    classifyUnredacted: (thrown: unknown, options?: ClassifyOptions) => {
      const c = classifyMock(thrown, options);
      if (c === null) return null;
      const { upstreamMessage, ...rest } = guardClassification(c);
      return { classification: rest, rawMessage: upstreamMessage ?? '' };
    },
  };
});

const { createUpstreamErrorHandler, UpstreamHttpError } = await import('../src/index.js');
const { toServerSentEvent } = await import('../src/internal.js');
const { classify: realClassify } = await vi.importActual<typeof import('../src/classify/index.js')>(
  '../src/classify/index.js',
);

const KEY = `sk-proj-${'Hh1_Jj2-Kk3'.repeat(5)}`;

function recordingLogger() {
  const calls: Array<{ level: 'warn' | 'error'; obj: Record<string, unknown>; msg?: string }> = [];
  const logger: Four29Logger = {
    warn: (obj, msg) =>
      calls.push(msg === undefined ? { level: 'warn', obj } : { level: 'warn', obj, msg }),
    error: (obj, msg) =>
      calls.push(msg === undefined ? { level: 'error', obj } : { level: 'error', obj, msg }),
  };
  return { logger, calls };
}

beforeEach(() => {
  classifyMock.mockReset();
  classifyMock.mockReturnValue(
    classification({
      retryAfterMs: 1146,
      upstreamStatus: 429,
      upstreamMessage: `key ${KEY} over limit`,
    }),
  );
});
afterEach(() => vi.restoreAllMocks());

describe('createUpstreamErrorHandler', () => {
  it('renders the problem, body, SSE event and log record for a classified error', () => {
    const { logger, calls } = recordingLogger();
    const handle = createUpstreamErrorHandler({ logger });
    const error = new Error('upstream said no');
    const result = handle(error, { method: 'POST', path: '/v1/chat?key=x' });
    expect(result).not.toBeNull();
    if (result === null) return;
    expect(result.status).toBe(503);
    expect(result.headers).toEqual({
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      'retry-after': '2',
    });
    expect(JSON.parse(result.body)).toEqual(result.problem.body);
    expect(result.sse).toBe(toServerSentEvent(result.body));
    expect(result.sse).toBe(`event: error\ndata: ${result.body}\n\n`);
    expect(result.body).not.toContain(KEY);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.level).toBe('warn');
    expect(calls[0]?.obj).toMatchObject({ kind: 'rate_limited', http: { path: '/v1/chat' } });
    expect(JSON.stringify(calls[0]?.obj)).not.toContain(KEY);
    expect(classifyMock).toHaveBeenCalledWith(
      error,
      expect.objectContaining({ now: expect.any(Number) }),
    );
  });

  it('logs quota exhaustion and credential errors at error level', () => {
    for (const kind of ['quota_exhausted', 'upstream_auth'] as const) {
      classifyMock.mockReturnValue(classification({ kind, retryable: false }));
      const { logger, calls } = recordingLogger();
      createUpstreamErrorHandler({ logger })(new Error('x'));
      expect(calls.map((c) => c.level)).toEqual(['error']);
    }
  });

  it('passes level and msg as pino does, not inside the fields', () => {
    const { logger, calls } = recordingLogger();
    const result = createUpstreamErrorHandler({ logger })(new Error('x'));
    expect(calls[0]?.obj).not.toHaveProperty('level');
    expect(calls[0]?.obj).not.toHaveProperty('msg');
    expect(calls[0]?.msg).toBe(result?.log.msg);
    expect(calls[0]?.msg).toMatch(/^upstream rate_limited: openai answered 429/);
  });

  it('writes exactly one level and one msg per line through a real pino logger', () => {
    const lines: string[] = [];
    const logger = pino({ base: null }, { write: (line: string) => void lines.push(line) });
    classifyMock.mockReturnValue(classification({ kind: 'quota_exhausted', retryable: false }));
    createUpstreamErrorHandler({ logger })(new Error('x'));
    classifyMock.mockReturnValue(classification({ kind: 'overloaded' }));
    createUpstreamErrorHandler({ logger })(new Error('y'));

    expect(lines).toHaveLength(2);
    for (const line of lines) {
      // Counted in the raw line: JSON.parse would silently keep only the last duplicate.
      expect(line.match(/"level":/g)).toHaveLength(1);
      expect(line.match(/"msg":/g)).toHaveLength(1);
    }
    const [quota, overload] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(quota).toMatchObject({
      level: 50,
      msg: expect.stringMatching(/^upstream quota_exhausted/),
      event: 'four29.upstream_error',
      kind: 'quota_exhausted',
      error: { type: 'quota_exhausted' },
    });
    expect(overload).toMatchObject({ level: 40, kind: 'overloaded' });
  });

  it('uses one JSON line on console.warn/error by default', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    createUpstreamErrorHandler()(new Error('x'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(error).not.toHaveBeenCalled();
    const line = String(warn.mock.calls[0]?.[0]);
    expect(JSON.parse(line)).toMatchObject({ level: 'warn', kind: 'rate_limited' });
    expect(line.match(/"level":/g)).toHaveLength(1);
  });

  it('logs nothing with logger: false', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const result = createUpstreamErrorHandler({ logger: false })(new Error('x'));
    expect(result?.status).toBe(503);
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('with logger: false, still offers the same log record and SSE event, built when first read', () => {
    const c = classification({ upstreamMessage: 'slow down', upstreamStatus: 429 });
    classifyMock.mockReturnValue(c);
    const { logger, calls } = recordingLogger();
    const context = { method: 'POST', path: '/chat?key=x', downstreamStatus: 200 };
    const logged = createUpstreamErrorHandler({ logger, logSuppression: false })(
      new Error('x'),
      context,
    );
    const quiet = createUpstreamErrorHandler({ logger: false })(new Error('x'), context);
    expect(quiet?.log).toEqual(logged?.log);
    expect(quiet?.log).toBe(quiet?.log);
    expect(quiet?.sse).toBe(logged?.sse);
    expect(quiet?.log.http).toEqual({ method: 'POST', path: '/chat' });
    expect(calls).toHaveLength(1);
  });

  it('with logger: false, reads options and context inside its guard, never later', () => {
    classifyMock.mockReturnValue(classification({ upstreamMessage: 'slow down for acme-tenant' }));
    const throwing = {
      get patterns(): RegExp[] {
        throw new Error('getter');
      },
    };
    // Options are read once, at creation: one that throws is ignored, and errors are still answered.
    expect(
      createUpstreamErrorHandler({ logger: false, redaction: throwing })(new Error('x'))?.status,
    ).toBe(503);
    let reads = 0;
    const context = {
      method: 'GET',
      get path(): string {
        if (reads++ > 0) throw new Error('read too late');
        return '/chat';
      },
    };
    const patterns = [/acme-tenant/];
    const result = createUpstreamErrorHandler({ logger: false, redaction: { patterns } })(
      new Error('x'),
      context,
    );
    patterns.length = 0;
    expect(() => result?.log).not.toThrow();
    expect(result?.log.http).toEqual({ method: 'GET', path: '/chat' });
    // The user's patterns still apply, as they were when the error was handled.
    expect(result?.log.upstream.message).toBe('slow down for [REDACTED]');
  });

  it('renders and logs the classification as classify built it: hooks cannot change it', () => {
    classifyMock.mockReturnValue(classification({ upstreamMessage: 'slow down' }));
    const { logger, calls } = recordingLogger();
    const result = createUpstreamErrorHandler({
      logger,
      shouldHandle(c) {
        (c as { kind: string }).kind = 'quota_exhausted';
        return true;
      },
    })(new Error('x'));
    expect(Object.isFrozen(result?.classification)).toBe(true);
    expect(result?.problem.body.kind).toBe('rate_limited');
    expect(calls[0]?.obj).toMatchObject({ kind: 'rate_limited' });
  });

  it('still answers when the logger throws', () => {
    const logger: Four29Logger = {
      warn() {
        throw new Error('disk full');
      },
      error() {
        throw new Error('disk full');
      },
    };
    expect(createUpstreamErrorHandler({ logger })(new Error('x'))?.status).toBe(503);
    const broken = {
      get warn(): never {
        throw new Error('getter');
      },
    } as unknown as Four29Logger;
    expect(createUpstreamErrorHandler({ logger: broken })(new Error('x'))?.status).toBe(503);
    expect(createUpstreamErrorHandler({ logger: {} as Four29Logger })(new Error('x'))?.status).toBe(
      503,
    );
  });

  it('returns null when shouldHandle returns false, and does not log', () => {
    const { logger, calls } = recordingLogger();
    const shouldHandle = vi.fn(() => false);
    const error = new Error('x');
    expect(createUpstreamErrorHandler({ logger, shouldHandle })(error)).toBeNull();
    expect(calls).toHaveLength(0);
    expect(shouldHandle).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: 'rate_limited',
        upstreamMessage: 'key [REDACTED] over limit',
      }),
      error,
    );
  });

  it('handles the error when shouldHandle throws', () => {
    const { logger, calls } = recordingLogger();
    const shouldHandle = () => {
      throw new Error('predicate bug');
    };
    expect(createUpstreamErrorHandler({ logger, shouldHandle })(new Error('x'))?.status).toBe(503);
    expect(calls).toHaveLength(1);
  });

  it('lets shouldHandle choose by classification', () => {
    const shouldHandle = (c: Classification) => c.kind !== 'upstream_error';
    const handle = createUpstreamErrorHandler({ logger: false, shouldHandle });
    classifyMock.mockReturnValue(classification({ kind: 'upstream_error', retryable: true }));
    expect(handle(new Error('x'))).toBeNull();
    classifyMock.mockReturnValue(classification({ kind: 'overloaded' }));
    expect(handle(new Error('x'))?.status).toBe(503);
  });

  it('returns null for anything that is not an upstream error', () => {
    classifyMock.mockReturnValue(null);
    const { logger, calls } = recordingLogger();
    expect(createUpstreamErrorHandler({ logger })(new TypeError('bug'))).toBeNull();
    expect(calls).toHaveLength(0);
  });

  it('never throws: a classifier failure falls back to the framework (null)', () => {
    classifyMock.mockImplementation(() => {
      throw new Error('classifier bug');
    });
    expect(createUpstreamErrorHandler({ logger: false })(new Error('x'))).toBeNull();
  });

  it('applies policy, problem type base, provider hint and redaction options', () => {
    const { logger, calls } = recordingLogger();
    classifyMock.mockReturnValue(classification({ upstreamMessage: 'tenant acme-7 throttled' }));
    const result = createUpstreamErrorHandler({
      logger,
      policy: 'passthrough',
      problemTypeBase: 'https://api.example.com/problems/{kind}',
      provider: 'github',
      redaction: { patterns: [/acme-\d+/] },
    })(new Error('x'));
    expect(result?.status).toBe(429);
    expect(result?.problem.body.type).toBe('https://api.example.com/problems/rate_limited');
    expect(result?.log.downstream.status).toBe(429);
    expect(calls[0]?.obj).toMatchObject({ upstream: { message: 'tenant [REDACTED] throttled' } });
    expect(classifyMock).toHaveBeenCalledWith(expect.anything(), {
      now: expect.any(Number),
      provider: 'github',
    });
  });

  it('uses the injected clock, and the real one when the injected clock is broken', () => {
    const handle = createUpstreamErrorHandler({ logger: false, now: () => 1_700_000_000_000 });
    handle(new Error('x'));
    expect(classifyMock.mock.calls[0]?.[1]).toEqual({ now: 1_700_000_000_000 });

    for (const now of [
      () => {
        throw new Error('clock');
      },
      () => Number.NaN,
      () => 'soon' as unknown as number,
    ]) {
      classifyMock.mockClear();
      const before = Date.now();
      expect(createUpstreamErrorHandler({ logger: false, now })(new Error('x'))?.status).toBe(503);
      const used = classifyMock.mock.calls[0]?.[1]?.now ?? 0;
      expect(used).toBeGreaterThanOrEqual(before);
    }
  });

  it('reports the downstream status the adapter gives for an already-started response', () => {
    const { logger, calls } = recordingLogger();
    const result = createUpstreamErrorHandler({ logger })(new Error('x'), {
      responseStarted: true,
      downstreamStatus: 200,
    });
    expect(result?.log.downstream.status).toBe(200);
    expect(calls[0]?.obj).toMatchObject({ downstream: { status: 200 } });
  });
});

/** Every `message` string anywhere in an upstream body. */
function upstreamMessages(body: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof body === 'string') out.push(body);
  else if (typeof body === 'object' && body !== null && depth < 6) {
    for (const [key, value] of Object.entries(body)) {
      if (key === 'message' && typeof value === 'string') out.push(value);
      else upstreamMessages(value, out, depth + 1);
    }
  }
  return out;
}

const ACCOUNT_IDS = [
  /\borg-[A-Za-z0-9]{6,}/,
  /\bproj_[A-Za-z0-9]{6,}/,
  /\bsk-[A-Za-z0-9_-]{16,}/,
  /\bAIza[0-9A-Za-z_-]{20,}/,
  // Anthropic names the organization by uuid; request ids can be uuids too and may be logged.
  /organization \(?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i,
];
const ANY_UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('every recorded provider error, end to end through the real classifier', () => {
  beforeEach(() => classifyMock.mockImplementation(realClassify));

  it('has fixtures to run', () => {
    expect(fixtures.length).toBeGreaterThan(20);
  });

  for (const fixture of fixtures) {
    for (const policy of ['default', 'passthrough'] as const) {
      it(`${fixture.id} (${policy})`, () => {
        const recorded = fixture.respond(FIXTURE_NOW);
        const { logger, calls } = recordingLogger();
        const handle = createUpstreamErrorHandler({ logger, policy, now: () => FIXTURE_NOW });
        const error = new UpstreamHttpError({
          status: recorded.status,
          headers: recorded.headers,
          body: recorded.body,
        });
        const result = handle(error, { method: 'POST', path: '/v1/chat?key=secret' });
        expect(result).not.toBeNull();
        if (result === null) return;
        const { expected } = fixture;
        const kind = expected.kind;

        expect(result.problem.body.kind).toBe(kind);
        const status =
          policy === 'passthrough' && kind === 'rate_limited'
            ? 429
            : {
                rate_limited: 503,
                overloaded: 503,
                quota_exhausted: 503,
                request_too_large: 413,
                upstream_auth: 502,
                upstream_timeout: 504,
                upstream_error: 502,
              }[kind];
        expect(result.status).toBe(status);

        const sendsRetryAfter =
          expected.retryable &&
          expected.retryAfterMs !== undefined &&
          !['quota_exhausted', 'upstream_auth', 'request_too_large'].includes(kind);
        expect(result.headers['retry-after']).toBe(
          sendsRetryAfter
            ? String(Math.min(Math.ceil((expected.retryAfterMs ?? 0) / 1000), 86_400))
            : undefined,
        );
        expect(
          Object.keys(result.headers).every((h) =>
            /^(content-type|cache-control|retry-after)$/.test(h),
          ),
        ).toBe(true);

        // Nothing of the upstream's own words, ids or keys reaches the caller.
        const wire = result.body;
        for (const message of upstreamMessages(recorded.body)) {
          if (message.length >= 24) expect(wire).not.toContain(message.slice(0, 24));
        }
        if (expected.upstreamRequestId !== undefined) {
          expect(wire).not.toContain(expected.upstreamRequestId);
        }
        for (const id of [...ACCOUNT_IDS, ANY_UUID]) expect(wire).not.toMatch(id);
        expect(result.problem.body.remediation.every((s) => !('audience' in s))).toBe(true);

        // One record, at the right level, with no account ids or keys in it.
        expect(calls).toHaveLength(1);
        const humanMustAct =
          kind === 'quota_exhausted' ||
          kind === 'upstream_auth' ||
          (kind === 'upstream_error' && !expected.retryable);
        expect(calls[0]?.level).toBe(humanMustAct ? 'error' : 'warn');
        const line = JSON.stringify(calls[0]?.obj);
        for (const id of ACCOUNT_IDS) expect(line).not.toMatch(id);
        expect(line).not.toContain('key=secret');
        expect(result.log.remediation.length).toBeGreaterThan(0);
      });
    }
  }
});

describe('onHandled', () => {
  it('sees every answered error once, with the status the client gets; a throwing hook changes nothing', () => {
    const events: { kind: string; status: number; error: unknown }[] = [];
    classifyMock.mockReturnValue(classification({ kind: 'quota_exhausted' }));
    const error = new UpstreamHttpError({ status: 429 });
    const handle = createUpstreamErrorHandler({
      logger: false,
      onHandled: (e) =>
        events.push({ kind: e.classification.kind, status: e.status, error: e.error }),
    });
    expect(handle(error)?.status).toBe(503);
    expect(handle(error, { responseStarted: true, downstreamStatus: 200 })?.status).toBe(503);
    classifyMock.mockReturnValueOnce(null);
    expect(handle(new Error('not upstream'))).toBeNull();
    expect(events).toEqual([
      { kind: 'quota_exhausted', status: 503, error },
      { kind: 'quota_exhausted', status: 200, error },
    ]);
    const throwing = createUpstreamErrorHandler({
      logger: false,
      onHandled: () => {
        throw new Error('broken metrics');
      },
    });
    expect(throwing(error)?.body).toBe(handle(error)?.body);
  });

  it('an async hook that rejects causes no unhandled rejection', async () => {
    classifyMock.mockReturnValue(classification({ kind: 'quota_exhausted' }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const handle = createUpstreamErrorHandler({
        logger: false,
        onHandled: async () => {
          throw new Error('metrics backend down');
        },
      });
      expect(handle(new UpstreamHttpError({ status: 429 }))?.status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('options, checked once at creation', () => {
  it('warns once, through the logger, naming every bad option, and falls back to the defaults', () => {
    const { logger, calls } = recordingLogger();
    const handle = createUpstreamErrorHandler({
      logger,
      policy: { rate_limited: 200, overloaded: 529 } as never,
      problemTypeBase: 42 as never,
      shouldHandle: 'yes' as never,
      logSuppression: { windowMs: -1 },
      redaction: { patterns: ['not a regexp'] as never },
      shouldHandleError: () => true,
    } as never);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ level: 'warn', obj: { event: 'four29.invalid_options' } });
    const problems = ((calls[0]?.obj ?? {}) as { problems: string[] }).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'shouldHandleError',
      'problemTypeBase',
      'logSuppression.windowMs',
      'policy.rate_limited',
      'redaction.patterns',
      'shouldHandle',
    ]);
    // The good entry of the policy is kept, the bad one falls back.
    const result = handle(new Error('x'));
    expect(result?.status).toBe(503);
    expect(
      createUpstreamErrorHandler({ policy: { rate_limited: 429 }, logger })(new Error('x'))?.status,
    ).toBe(429);
    expect(calls.filter((c) => c.obj.event === 'four29.invalid_options')).toHaveLength(1);
  });

  it('says nothing about good options, and survives options that throw', () => {
    const { logger, calls } = recordingLogger();
    createUpstreamErrorHandler({ logger, policy: 'passthrough', logSuppression: false });
    expect(calls).toHaveLength(0);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    expect(() => createUpstreamErrorHandler(hostile as never)).not.toThrow();
  });

  it('survives a revoked Proxy or a throwing getter as its redaction patterns, and still answers', () => {
    const { logger, calls } = recordingLogger();
    const revoked = Proxy.revocable([], {});
    revoked.revoke();
    const throwing = [/x/];
    Object.defineProperty(throwing, 0, {
      get() {
        throw new Error('trap');
      },
    });
    for (const patterns of [revoked.proxy, throwing]) {
      const handle = createUpstreamErrorHandler({ logger, redaction: { patterns } as never });
      expect(handle(new UpstreamHttpError({ status: 429 }))?.status).toBe(503);
    }
    expect(calls.filter((c) => c.obj.event === 'four29.invalid_options')).toHaveLength(2);
  });
});

describe('request id in the problem', () => {
  it('carries the request id its log record carries, redacted, and only the first of several', () => {
    const { logger, calls } = recordingLogger();
    const handle = createUpstreamErrorHandler({ logger, logSuppression: false });
    const result = handle(new Error('x'), { requestId: ['req-1', 'req-2'] });
    expect(result?.problem.body.requestId).toBe('req-1');
    expect(JSON.parse(result?.body ?? '{}').requestId).toBe('req-1');
    expect(calls[0]?.obj).toMatchObject({ http: { requestId: 'req-1' } });
    const leaky = handle(new Error('x'), { requestId: `abc ${KEY}` });
    expect(leaky?.body).not.toContain(KEY);
    expect(leaky?.problem.body.requestId).toBe('abc [REDACTED]');
    expect(handle(new Error('x'))?.problem.body).not.toHaveProperty('requestId');
  });
});

describe('the upstream message, redacted only when read', () => {
  beforeEach(() => classifyMock.mockImplementation(realClassify));
  const thrown = () =>
    new UpstreamHttpError({
      status: 429,
      body: { error: { message: `Rate limit for key ${KEY}`, code: 'rate_limit_exceeded' } },
    });

  it('gives the result the classification classify makes, once, redacted and frozen', () => {
    const handled = createUpstreamErrorHandler({ logger: false })(thrown());
    const c = handled?.classification;
    expect(c).toEqual(realClassify(thrown()));
    expect(c?.upstreamMessage).toBe('Rate limit for key [REDACTED]');
    expect(Object.isFrozen(c)).toBe(true);
    expect(handled?.classification).toBe(c);
    expect(handled?.log.upstream.message).toBe('Rate limit for key [REDACTED]');
    expect(handled?.body).not.toContain('Rate limit for key');
  });

  it('logs the redacted message, and hooks see it, whether or not the error is logged', () => {
    const { logger, calls } = recordingLogger();
    const seen: Array<string | undefined> = [];
    const handle = createUpstreamErrorHandler({
      logger,
      onHandled: (e) => seen.push(e.classification.upstreamMessage),
    });
    handle(thrown());
    handle(thrown());
    expect(calls).toHaveLength(1);
    expect(JSON.stringify(calls[0]?.obj)).toContain('Rate limit for key [REDACTED]');
    expect(JSON.stringify(calls)).not.toContain(KEY);
    expect(seen).toEqual(['Rate limit for key [REDACTED]', 'Rate limit for key [REDACTED]']);
  });
});
