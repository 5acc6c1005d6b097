import { toServerSentEvent } from '@four29/core/internal';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Four29Module } from '../src/index.js';
import { appModule, OWN_ERRORS } from './app.js';
import {
  expected,
  get,
  PLATFORMS,
  type Reply,
  type Running,
  recordingLogger,
  stableHeaders,
  start,
  testOptions,
  upstreamError,
} from './support.js';

describe.each(PLATFORMS)('on %s', (platform) => {
  const logger = recordingLogger();
  let app: Running;
  beforeAll(async () => {
    app = await start(platform, appModule([Four29Module.forRoot(testOptions({ logger }))]));
  });
  afterAll(() => app.close());
  beforeEach(() => {
    logger.records.length = 0;
  });

  /** Asserts the reply carries exactly the core's problem for `name`, and the log record matches. */
  function expectProblem(res: Reply, name: string, path: string, requestId?: string): void {
    const want = expected(upstreamError(name), {
      method: 'GET',
      path,
      ...(requestId !== undefined ? { requestId } : {}),
      responseStarted: false,
    });
    expect(res.status).toBe(want.status);
    expect(res.body).toBe(want.body);
    expect(stableHeaders(res.headers)).toEqual({
      ...want.headers,
      'content-length': String(Buffer.byteLength(want.body)),
    });
    const { level, msg, ...fields } = want.log;
    expect(logger.records).toEqual([{ level, msg, obj: fields }]);
  }

  describe('upstream errors', () => {
    it.each(['sync', 'async', 'observable', 'guarded', 'intercepted'])(
      'answers one thrown from %s with the exact problem+json',
      async (route) => {
        const path = `/${route}/openai-tokens?key=AIzaSyFAKEFAKEFAKEFAKEFAKE01`;
        const res = await get(app.url + path, { headers: { 'x-request-id': 'req-down-1' } });
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(JSON.parse(res.body)).toMatchObject({ status: 503, kind: 'rate_limited' });
        expectProblem(res, 'openai-tokens', path, 'req-down-1');
        const log = logger.records[0]?.obj;
        expect(log?.http).toEqual({
          method: 'GET',
          path: `/${route}/openai-tokens`,
          requestId: 'req-down-1',
        });
      },
    );

    it('answers a plain { status, headers, body } descriptor', async () => {
      const res = await get(`${app.url}/async/anthropic-overloaded`);
      expect(JSON.parse(res.body)).toMatchObject({ kind: 'overloaded' });
      expectProblem(res, 'anthropic-overloaded', '/async/anthropic-overloaded');
    });

    it('logs what a human must fix at error level', async () => {
      const res = await get(`${app.url}/sync/openai-quota`);
      expect(JSON.parse(res.body)).toMatchObject({ kind: 'quota_exhausted', retryable: false });
      expectProblem(res, 'openai-quota', '/sync/openai-quota');
      expect(logger.records[0]?.level).toBe('error');
    });

    it('never sends the upstream message, keys or ids to the client', async () => {
      const res = await get(`${app.url}/sync/openai-tokens`);
      expect(res.status).toBe(503);
      expect(res.body).not.toMatch(/org-|proj_|Rate limit reached|req_9f1c/);
      for (const name of ['x-ratelimit-limit-tokens', 'x-request-id', 'openai-organization']) {
        expect(res.headers.get(name)).toBeNull();
      }
    });

    it('logs a repeated x-request-id as the one value Node gives the app', async () => {
      await get(`${app.url}/sync/google-rpm`, {
        headers: [
          ['x-request-id', 'first'],
          ['x-request-id', 'second'],
        ],
      });
      // Node joins repeated unknown headers with ", ": the header as the app sees it.
      expect(logger.records[0]?.obj.http).toMatchObject({ requestId: 'first, second' });
    });
  });

  describe('a response that has already started', () => {
    it.each(['write-head', 'set-header'])(
      'ends a text/event-stream written via @Res() (%s) with one error event',
      async (style) => {
        const res = await get(`${app.url}/stream/${style}/openai-tokens`);
        const want = expected(upstreamError('openai-tokens'));
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/event-stream');
        expect(res.body).toBe(`data: {"token":"Hel"}\n\n${toServerSentEvent(want.body)}`);
        expect(res.body.match(/^event: error$/gm)).toHaveLength(1);
        // The log says what the client really got.
        expect(logger.records[0]?.obj.downstream).toEqual({ status: 200 });
      },
    );

    it('aborts any other started response instead of ending it as if complete', async () => {
      const res = await fetch(`${app.url}/stream/json/openai-tokens`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      // A clean end would pass half a JSON document off as the whole answer.
      await expect(res.text()).rejects.toThrow();
      expect(logger.records).toHaveLength(1);
    });

    it('keeps serving after streamed failures', async () => {
      await get(`${app.url}/stream/write-head/openai-tokens`);
      const res = await get(`${app.url}/sync/openai-tokens`);
      expect(res.status).toBe(503);
    });
  });

  describe('@Sse() observables', () => {
    it('answers an observable that fails before its first event with the problem', async () => {
      const res = await get(`${app.url}/sse/before/openai-tokens`);
      expectProblem(res, 'openai-tokens', '/sse/before/openai-tokens');
    });

    it('ends a stream that fails after its first event with the problem event', async () => {
      // Past Nest's SSE headers no exception filter runs; four29's interceptor writes the event.
      const path = '/sse/after/openai-tokens';
      const res = await get(app.url + path, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const want = expected(upstreamError('openai-tokens'), {
        method: 'GET',
        path,
        responseStarted: true,
        downstreamStatus: 200,
      });
      const events = res.body.split('\n\n').filter((e) => e !== '');
      expect(events).toHaveLength(2);
      expect(events[0]).toContain('data: {"token":"Hel"}');
      // Nest numbers every event it writes with an `id:` line; the rest is core's event.
      expect(`${events[1]?.replace(/^id: \d+\n/m, '')}\n\n`).toBe(want.sse);
      expect(res.body).not.toContain('Internal server error');
      expect(res.body).not.toContain('Rate limit reached');
      const { level, msg, ...fields } = want.log;
      expect(logger.records).toEqual([{ level, msg, obj: fields }]);
    });

    it.each(['plain', 'http-429'])(
      'leaves a %s error after the first event to Nest, which sends its own error event',
      async (name) => {
        const res = await get(`${app.url}/sse/after/${name}`, {
          signal: AbortSignal.timeout(5000),
        });
        expect(res.status).toBe(200);
        expect(res.body).toContain('event: error\n');
        expect(res.body).toContain(
          name === 'plain' ? 'data: Internal server error\n' : 'data: Slow down\n',
        );
        expect(logger.records).toEqual([]);
      },
    );

    it('keeps serving after a failed stream', async () => {
      await get(`${app.url}/sse/after/openai-tokens`, { signal: AbortSignal.timeout(5000) });
      expect((await get(`${app.url}/sync/openai-tokens`)).status).toBe(503);
    });
  });

  it("leaves routes without @Sse() outside Nest's interceptor machinery", async () => {
    // A global interceptor would run every request through InterceptorsConsumer (docs/benchmarks.md).
    const withFour29 = await get(`${app.url}/caller`);
    expect(withFour29.status).toBe(200);
    expect(withFour29.body).toContain('TestController.caller');
    // With an interceptor, the handler runs inside rxjs' `defer`; without, Nest calls it directly.
    expect(withFour29.body).not.toMatch(/node_modules[\\/]rxjs[\\/]/);
    expect((await get(`${app.url}/intercepted/openai-tokens`)).status).toBe(503);
  });
});

describe.each(PLATFORMS)("the app's own errors on %s", (platform) => {
  const logger = recordingLogger();
  let withFour29: Running;
  let without: Running;
  beforeAll(async () => {
    withFour29 = await start(platform, appModule([Four29Module.forRoot(testOptions({ logger }))]));
    without = await start(platform, appModule());
  });
  afterAll(async () => {
    await withFour29.close();
    await without.close();
  });

  async function expectSameAnswer(path: string): Promise<Reply> {
    const mine = await get(withFour29.url + path);
    const plain = await get(without.url + path);
    expect(mine.status).toBe(plain.status);
    expect(mine.body).toBe(plain.body);
    expect(stableHeaders(mine.headers)).toEqual(stableHeaders(plain.headers));
    return mine;
  }

  it.each(Object.keys(OWN_ERRORS))('%s answers exactly as without four29', async (name) => {
    const res = await expectSameAnswer(`/own/${name}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(logger.records).toEqual([]);
  });

  it("answers @nestjs/throttler's own 429 exactly as without four29", async () => {
    await expectSameAnswer('/limited');
    const res = await expectSameAnswer('/limited');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(logger.records).toEqual([]);
  });

  it('answers an unknown route exactly as without four29', async () => {
    const res = await expectSameAnswer('/no/such/route');
    expect(res.status).toBe(404);
  });
});
