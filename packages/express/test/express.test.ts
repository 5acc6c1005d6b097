import type { Server } from 'node:http';
import type { Four29Options } from '@four29/core';
import {
  close,
  descriptor,
  expectedFor,
  expectNothingLeaked,
  FIXTURE_NOW,
  hostileThrownValues,
  listen,
  replayUpstream,
  snapshot,
  testLogger,
  upstreamHttpError,
} from '@four29/test-kit';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { rateLimit } from 'express-rate-limit';
import express4 from 'express4';
import createError from 'http-errors';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { upstreamErrorHandler } from '../src/index.js';

const majors = [
  { name: 'Express 4', create: express4, rejectsAsync: false },
  { name: 'Express 5', create: express, rejectsAsync: true },
];

describe.each(majors)('$name', ({ create, rejectsAsync }) => {
  const servers: Server[] = [];
  beforeEach(() => {
    // Express's final handler prints every error it answers; the tests look at the responses.
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(servers.splice(0).map(close));
  });

  /** Starts an app on 127.0.0.1; `four29: false` builds the same app without four29. */
  async function start(
    routes: (app: Express) => void,
    four29: Four29Options | false = {},
    after?: ErrorRequestHandler,
  ): Promise<string> {
    const app = create();
    // Outside production Express's final handler prints stack traces; both apps compared run alike.
    app.set('env', 'production');
    routes(app);
    if (four29 !== false)
      app.use(upstreamErrorHandler({ now: () => FIXTURE_NOW, logger: false, ...four29 }));
    if (after !== undefined) app.use(after);
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    return listen(server);
  }

  it('is an error middleware by Express rules (four declared parameters)', () => {
    expect(upstreamErrorHandler().length).toBe(4);
  });

  it('answers an UpstreamHttpError thrown synchronously with the exact problem core renders', async () => {
    const { logger, records } = testLogger();
    const error = upstreamHttpError('openai.rate_limit.tokens');
    const url = await start(
      (app) =>
        app.post('/v1/chat', () => {
          throw error;
        }),
      { logger },
    );
    const res = await fetch(`${url}/v1/chat?key=AIzaSyFAKEFAKEFAKEFAKEFAKEFAKE0000`, {
      method: 'POST',
      headers: { 'x-request-id': 'client-req-1' },
    });
    const expected = expectedFor(error, {}, { requestId: 'client-req-1' });
    const body = await res.text();
    expect(res.status).toBe(503);
    for (const [name, value] of Object.entries(expected.headers)) {
      expect(res.headers.get(name)).toBe(value);
    }
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('etag')).toBeNull();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(expected.body)));
    expect(body).toBe(expected.body);
    expect(JSON.parse(body)).toMatchObject({ status: 503, kind: 'rate_limited', retryAfter: 2 });
    expectNothingLeaked(body, res.headers);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: 'warn',
      obj: {
        event: 'four29.upstream_error',
        kind: 'rate_limited',
        provider: 'openai',
        downstream: { status: 503 },
        http: { method: 'POST', path: '/v1/chat', requestId: 'client-req-1' },
      },
    });
    expect(JSON.stringify(records)).not.toContain('AIza');
  });

  it('answers a plain { status, headers, body } descriptor passed to next(err) from async code', async () => {
    const { logger, records } = testLogger();
    const error = descriptor('anthropic.overloaded');
    const url = await start(
      (app) =>
        app.get('/summary', (_req, _res, next) => {
          setImmediate(() => next(error));
        }),
      { logger },
    );
    const res = await fetch(`${url}/summary`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe(expectedFor(error).body);
    expect(records.map((r) => r.obj.kind)).toEqual(['overloaded']);
  });

  it.runIf(rejectsAsync)('answers a rejected async handler (Express 5)', async () => {
    const error = upstreamHttpError('google.rate_limit.requests_per_minute');
    const url = await start((app) =>
      app.get('/gemini', async () => {
        await Promise.resolve();
        throw error;
      }),
    );
    const res = await fetch(`${url}/gemini`);
    const expected = expectedFor(error);
    expect(res.status).toBe(expected.status);
    expect(await res.text()).toBe(expected.body);
  });

  it('answers errors from middleware in a mounted router, also when mounted there itself', async () => {
    const { logger, records } = testLogger();
    const error = upstreamHttpError('azure.rate_limit.tokens');
    const url = await start(
      (app) => {
        for (const mount of ['/app-level', '/router-level']) {
          const router = create.Router();
          router.use(() => {
            throw error;
          });
          // Inside a router Express rewrites req.url relative to the mount point.
          if (mount === '/router-level') router.use(upstreamErrorHandler({ logger }));
          app.use(mount, router);
        }
      },
      { logger },
    );
    for (const mount of ['/app-level', '/router-level']) {
      const res = await fetch(`${url}${mount}/items?page=2`);
      expect(res.status).toBe(503);
      expect(await res.text()).toBe(expectedFor(error).body);
    }
    expect(records.map((r) => r.obj.http)).toEqual([
      { method: 'GET', path: '/app-level/items' },
      { method: 'GET', path: '/router-level/items' },
    ]);
  });

  it("answers the real openai client's error for an exhausted quota", async () => {
    const upstream = await replayUpstream('openai.insufficient_quota');
    servers.push(upstream.server);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${upstream.url}/v1`, maxRetries: 0 });
    const { logger, records } = testLogger();
    let thrown: unknown;
    const url = await start(
      (app) =>
        app.post('/ask', (_req, res, next) => {
          client.chat.completions
            .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
            .then(
              (completion) => res.json(completion),
              (error: unknown) => {
                thrown = error;
                next(error);
              },
            );
        }),
      { logger },
    );
    const res = await fetch(`${url}/ask`, { method: 'POST' });
    const body = await res.text();
    expect((thrown as { status?: unknown }).status).toBe(429);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(body).toBe(expectedFor(thrown).body);
    expect(JSON.parse(body)).toMatchObject({ kind: 'quota_exhausted', retryable: false });
    expectNothingLeaked(body, res.headers);
    expect(records).toMatchObject([{ level: 'error', obj: { kind: 'quota_exhausted' } }]);
  });

  it.each([
    ['res.setHeader', false],
    ['res.writeHead(200, headers)', true],
  ])('ends a token stream started with %s with one problem event', async (_how, viaWriteHead) => {
    const { logger, records } = testLogger();
    const error = upstreamHttpError('openai.rate_limit.tokens');
    const url = await start(
      (app) =>
        app.get('/stream', (_req, res, next) => {
          if (viaWriteHead) res.writeHead(200, { 'Content-Type': 'text/event-stream' });
          else res.setHeader('content-type', 'text/event-stream');
          res.write('data: {"token":"Hel"}\n\n');
          setImmediate(() => next(error));
        }),
      { logger },
    );
    const res = await fetch(`${url}/stream`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await res.text()).toBe(`data: {"token":"Hel"}\n\n${expectedFor(error).sse}`);
    expect(records[0]?.obj.downstream).toEqual({ status: 200 });
  });

  it('aborts a started non-stream response instead of ending it as if complete', async () => {
    const { logger, records } = testLogger();
    const error = upstreamHttpError('openai.server_error');
    const url = await start(
      (app) =>
        app.get('/list', (_req, res, next) => {
          res.setHeader('content-type', 'application/json');
          res.write('{"items":[');
          setImmediate(() => next(error));
        }),
      { logger },
    );
    const res = await fetch(`${url}/list`);
    expect(res.status).toBe(200);
    // A clean end would pass half a JSON document off as the whole answer.
    await expect(res.text()).rejects.toThrow();
    expect(records).toHaveLength(1);
  });

  describe("leaves the app's own errors to Express, answering exactly as without four29", () => {
    const appErrors: [string, () => unknown][] = [
      ['http-errors 404', () => createError(404)],
      [
        'http-errors 429 with Retry-After',
        () => createError(429, { headers: { 'retry-after': '30' } }),
      ],
      ['http-errors 500', () => createError(500, 'db down')],
      ['a plain Error', () => new Error('boom')],
      ['a thrown string', () => 'boom'],
    ];
    it.each(appErrors)('%s', async (_name, make) => {
      const { logger, records } = testLogger();
      const routes = (app: Express) =>
        app.get('/x', () => {
          throw make();
        });
      const withFour29 = await snapshot(await fetch(`${await start(routes, { logger })}/x`));
      const without = await snapshot(await fetch(`${await start(routes, false)}/x`));
      expect(withFour29).toEqual(without);
      expect(withFour29.status).toBeGreaterThanOrEqual(400);
      expect(records).toEqual([]);
    });

    it("an own rate limiter's 429, answered directly or passed to next(err)", async () => {
      const routes = (viaNext: boolean) => (app: Express) => {
        app.use(
          rateLimit({
            windowMs: 60_000,
            limit: 1,
            standardHeaders: false,
            legacyHeaders: false,
            ...(viaNext
              ? { handler: (_req, _res, next, o) => next(createError(o.statusCode, o.message)) }
              : {}),
          }),
        );
        app.get('/x', (_req, res) => {
          res.send('ok');
        });
      };
      for (const viaNext of [false, true]) {
        const a = await start(routes(viaNext));
        const b = await start(routes(viaNext), false);
        await fetch(`${a}/x`);
        await fetch(`${b}/x`);
        const withFour29 = await snapshot(await fetch(`${a}/x`));
        expect(withFour29.status).toBe(429);
        expect(withFour29).toEqual(await snapshot(await fetch(`${b}/x`)));
      }
    });
  });

  describe('options, through the adapter', () => {
    it('an upstream error shouldHandle declines goes to Express as if four29 were absent', async () => {
      const { logger, records } = testLogger();
      const routes = (app: Express) =>
        app.get('/x', () => {
          throw upstreamHttpError('openai.rate_limit.tokens');
        });
      const declined = await snapshot(
        await fetch(`${await start(routes, { logger, shouldHandle: () => false })}/x`),
      );
      expect(declined).toEqual(await snapshot(await fetch(`${await start(routes, false)}/x`)));
      expect(records).toEqual([]);
    });

    it('a throwing shouldHandle or a throwing logger still yields the problem response', async () => {
      const error = upstreamHttpError('openai.rate_limit.tokens');
      const failing = {
        shouldHandle: () => {
          throw new Error('predicate bug');
        },
        logger: {
          warn: () => {
            throw new Error('logger down');
          },
          error: () => {
            throw new Error('logger down');
          },
        },
      };
      const url = await start(
        (app) =>
          app.get('/x', () => {
            throw error;
          }),
        failing,
      );
      const res = await fetch(`${url}/x`);
      expect(res.status).toBe(503);
      expect(await res.text()).toBe(expectedFor(error).body);
    });

    it("policy 'passthrough' answers an upstream rate limit as 429", async () => {
      const error = upstreamHttpError('openai.rate_limit.tokens');
      const url = await start(
        (app) =>
          app.get('/x', () => {
            throw error;
          }),
        { policy: 'passthrough', logger: false },
      );
      const res = await fetch(`${url}/x`);
      expect(res.status).toBe(429);
      expect(await res.text()).toBe(expectedFor(error, { policy: 'passthrough' }).body);
    });
  });

  describe('hostile thrown values reach the next error handler untouched, the server keeps serving', () => {
    const hostile: [string, unknown][] = [...hostileThrownValues(), ['a number', 42]];
    it.each(hostile)('%s', async (_name, value) => {
      const seen: unknown[] = [];
      const url = await start(
        (app) =>
          app.get('/x', (_req, _res, next) => {
            next(value);
          }),
        { logger: false },
        (err, _req, res, _next) => {
          seen.push(err);
          res.status(500).send('custom');
        },
      );
      const res = await fetch(`${url}/x`);
      expect(await res.text()).toBe('custom');
      expect(seen).toHaveLength(1);
      expect(Object.is(seen[0], value)).toBe(true);
      expect((await fetch(`${url}/x`)).status).toBe(500);
    });

    it('a 10 MB upstream body is answered like any other upstream error', async () => {
      const huge = { status: 429, headers: { 'retry-after': '7' }, body: 'x'.repeat(10 * 2 ** 20) };
      const url = await start((app) =>
        app.get('/x', () => {
          throw huge;
        }),
      );
      const res = await fetch(`${url}/x`);
      const body = await res.text();
      expect(res.status).toBe(503);
      expect(body).toBe(expectedFor(huge).body);
      expect(body.length).toBeLessThan(4096);
    });
  });
});
