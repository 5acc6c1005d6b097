import type { Server } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
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
import Koa, { type Middleware } from 'koa';
import Koa2 from 'koa2';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamErrorHandler } from '../src/index.js';

const majors = [
  { name: 'Koa 2', Framework: Koa2 },
  { name: 'Koa 3', Framework: Koa },
];

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe.each(majors)('$name', ({ Framework }) => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
  });

  /** Starts an app on 127.0.0.1; `four29: false` builds the same app without four29. */
  async function start(
    route: Middleware,
    four29: Four29Options | false = {},
    setup?: (app: Koa) => void,
  ): Promise<string> {
    const app = new Framework();
    // Koa's default 'error' listener prints every 500 to stderr; the tests look at responses.
    app.silent = true;
    setup?.(app);
    if (four29 !== false)
      app.use(upstreamErrorHandler({ now: () => FIXTURE_NOW, logger: false, ...four29 }));
    app.use(route);
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    return listen(server);
  }

  it('answers an UpstreamHttpError thrown synchronously with the exact problem core renders', async () => {
    const { logger, records } = testLogger();
    const error = upstreamHttpError('openai.rate_limit.tokens');
    const url = await start(
      () => {
        throw error;
      },
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
    expect(res.headers.get('retry-after')).toBe('2');
    expect(body).toBe(expected.body);
    expectNothingLeaked(body, res.headers);
    expect(records).toMatchObject([
      {
        level: 'warn',
        obj: {
          kind: 'rate_limited',
          downstream: { status: 503 },
          http: { method: 'POST', path: '/v1/chat', requestId: 'client-req-1' },
        },
      },
    ]);
    expect(JSON.stringify(records)).not.toContain('AIza');
  });

  it('answers a descriptor thrown from async middleware, keeping headers set before it', async () => {
    const { logger, records } = testLogger();
    const error = descriptor('anthropic.overloaded');
    const url = await start(
      async (ctx) => {
        // What a CORS middleware sets before the route runs: the browser needs it on errors too.
        ctx.set('access-control-allow-origin', 'https://app.example');
        // What koa-mount or a rewrite middleware does: the log keeps the URL the client sent.
        ctx.url = '/internal/rewritten';
        await tick();
        throw error;
      },
      { logger },
    );
    const res = await fetch(`${url}/summary`);
    expect(res.status).toBe(503);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(await res.text()).toBe(expectedFor(error).body);
    expect(records[0]?.obj.http).toEqual({ method: 'GET', path: '/summary' });
  });

  it("answers the real Anthropic client's rate-limit error", async () => {
    const upstream = await replayUpstream('anthropic.rate_limit.input_tokens');
    servers.push(upstream.server);
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: upstream.url, maxRetries: 0 });
    const { logger, records } = testLogger();
    let thrown: unknown;
    const url = await start(
      async (ctx) => {
        try {
          ctx.body = await client.messages.create({
            model: 'claude-sonnet-4-5',
            max_tokens: 10,
            messages: [{ role: 'user', content: 'hi' }],
          });
        } catch (error) {
          thrown = error;
          throw error;
        }
      },
      { logger },
    );
    const res = await fetch(`${url}/ask`, { method: 'POST' });
    const body = await res.text();
    expect((thrown as { status?: unknown }).status).toBe(429);
    expect(res.status).toBe(503);
    expect(body).toBe(expectedFor(thrown).body);
    expect(JSON.parse(body)).toMatchObject({ kind: 'rate_limited', retryable: true });
    expectNothingLeaked(body, res.headers);
    expect(records).toMatchObject([{ obj: { kind: 'rate_limited', provider: 'anthropic' } }]);
  });

  it("emits no app 'error' for a handled upstream error, and does for the app's own errors", async () => {
    const events: unknown[] = [];
    const own = new Error('boom');
    const url = await start(
      (ctx) => {
        throw ctx.path === '/upstream' ? upstreamHttpError('openai.rate_limit.tokens') : own;
      },
      { logger: false },
      (app) => app.on('error', (err: unknown) => events.push(err)),
    );
    expect((await fetch(`${url}/upstream`)).status).toBe(503);
    expect(events).toEqual([]);
    expect((await fetch(`${url}/own`)).status).toBe(500);
    expect(events).toHaveLength(1);
    expect(events[0]).toBe(own);
  });

  it('ends a token stream that already started with one problem event', async () => {
    const { logger, records } = testLogger();
    const error = upstreamHttpError('openai.rate_limit.tokens');
    const url = await start(
      async (ctx) => {
        ctx.respond = false;
        ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
        ctx.res.write('data: {"token":"Hel"}\n\n');
        await tick();
        throw error;
      },
      { logger },
    );
    const res = await fetch(`${url}/stream`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`data: {"token":"Hel"}\n\n${expectedFor(error).sse}`);
    expect(records[0]?.obj.downstream).toEqual({ status: 200 });
  });

  it('aborts a started non-stream response instead of ending it as if complete', async () => {
    const { logger, records } = testLogger();
    const url = await start(
      async (ctx) => {
        ctx.respond = false;
        ctx.res.writeHead(200, { 'content-type': 'application/json' });
        ctx.res.write('{"items":[');
        await tick();
        throw upstreamHttpError('openai.server_error');
      },
      { logger },
    );
    const res = await fetch(`${url}/list`);
    expect(res.status).toBe(200);
    // A clean end would pass half a JSON document off as the whole answer.
    await expect(res.text()).rejects.toThrow();
    expect(records).toHaveLength(1);
  });

  it('answers a route that opted out of Koa responding (ctx.respond = false) before writing', async () => {
    const error = upstreamHttpError('openai.rate_limit.tokens');
    const url = await start(async (ctx) => {
      // The usual shape of a streaming route: take over the response, then call the upstream.
      ctx.respond = false;
      await tick();
      throw error;
    });
    const res = await fetch(`${url}/stream`, { signal: AbortSignal.timeout(5000) });
    const want = expectedFor(error);
    expect(res.status).toBe(want.status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.text()).toBe(want.body);
  });

  describe("leaves the app's own errors to Koa, answering exactly as without four29", () => {
    const appErrors: [string, Middleware][] = [
      ['ctx.throw(404)', (ctx) => ctx.throw(404)],
      [
        'ctx.throw(429) from an own rate limiter, with Retry-After',
        (ctx) => ctx.throw(429, 'Slow down', { headers: { 'retry-after': '30' } }),
      ],
      ['ctx.throw(500)', (ctx) => ctx.throw(500, 'db down')],
      [
        'a plain Error',
        () => {
          throw new Error('boom');
        },
      ],
      [
        'a thrown string',
        () => {
          throw 'boom';
        },
      ],
    ];
    it.each(appErrors)('%s', async (_name, route) => {
      const { logger, records } = testLogger();
      const withFour29 = await snapshot(await fetch(`${await start(route, { logger })}/x`));
      const without = await snapshot(await fetch(`${await start(route, false)}/x`));
      expect(withFour29).toEqual(without);
      expect(withFour29.status).toBeGreaterThanOrEqual(400);
      expect(records).toEqual([]);
    });
  });

  describe('options, through the adapter', () => {
    it('an upstream error shouldHandle declines goes to Koa as if four29 were absent', async () => {
      const { logger, records } = testLogger();
      const route: Middleware = () => {
        throw descriptor('openai.rate_limit.tokens');
      };
      const declined = await snapshot(
        await fetch(`${await start(route, { logger, shouldHandle: () => false })}/x`),
      );
      expect(declined).toEqual(await snapshot(await fetch(`${await start(route, false)}/x`)));
      expect(records).toEqual([]);
    });

    it('a declined error whose headers is a WHATWG Headers gets a bounded answer, as on Koa 3', async () => {
      // Koa 2's own handler copies err.headers with for…in, which walks the Headers methods into
      // setHeader and throws inside its catch: without four29 the request never gets an answer.
      const error = upstreamHttpError('openai.rate_limit.tokens');
      const events: unknown[] = [];
      const route: Middleware = () => {
        throw error;
      };
      const url = await start(route, { logger: false, shouldHandle: () => false }, (app) =>
        app.on('error', (err: unknown) => events.push(err)),
      );
      const res = await fetch(`${url}/x`, { signal: AbortSignal.timeout(5000) });
      const answer = await snapshot(res);
      // Koa 3 without four29 is the reference: it reads only own keys, so a Headers adds none.
      const app = new Koa();
      app.silent = true;
      app.use(route);
      const server = app.listen(0, '127.0.0.1');
      servers.push(server);
      const reference = await snapshot(await fetch(`${await listen(server)}/x`));
      expect(answer).toEqual(reference);
      expect(answer).toMatchObject({ status: 429, body: 'Too Many Requests' });
      expectNothingLeaked(answer.body, res.headers);
      expect(events).toEqual([error]);
      expect(error.headers).toBeInstanceOf(Headers);
      expect((await fetch(`${url}/x`, { signal: AbortSignal.timeout(5000) })).status).toBe(429);
    });

    it("a declined error's plain-object headers still reach Koa's answer", async () => {
      const route: Middleware = () => {
        throw Object.assign(new Error('limited'), { status: 429, headers: { 'retry-after': '9' } });
      };
      const declined = await snapshot(
        await fetch(`${await start(route, { logger: false, shouldHandle: () => false })}/x`),
      );
      expect(declined).toEqual(await snapshot(await fetch(`${await start(route, false)}/x`)));
      expect(declined.headers['retry-after']).toBe('9');
    });

    it('a throwing shouldHandle or a throwing logger still yields the problem response', async () => {
      const error = upstreamHttpError('openai.rate_limit.tokens');
      const boom = () => {
        throw new Error('down');
      };
      const url = await start(
        () => {
          throw error;
        },
        { shouldHandle: boom, logger: { warn: boom, error: boom } },
      );
      const res = await fetch(`${url}/x`);
      expect(res.status).toBe(503);
      expect(await res.text()).toBe(expectedFor(error).body);
    });

    it("policy 'passthrough' answers an upstream rate limit as 429", async () => {
      const error = upstreamHttpError('openai.rate_limit.tokens');
      const url = await start(
        () => {
          throw error;
        },
        { policy: 'passthrough', logger: false },
      );
      const res = await fetch(`${url}/x`);
      expect(res.status).toBe(429);
      expect(await res.text()).toBe(expectedFor(error, { policy: 'passthrough' }).body);
    });
  });

  describe('hostile thrown values are rethrown untouched, the server keeps serving', () => {
    const hostile: [string, unknown][] = [
      ...hostileThrownValues(),
      ['null', null],
      ['undefined', undefined],
    ];
    it.each(hostile)('%s', async (_name, value) => {
      const seen: unknown[] = [];
      const url = await start(
        () => {
          throw value;
        },
        { logger: false },
        (app) =>
          app.use(async (ctx, next) => {
            try {
              await next();
            } catch (err) {
              seen.push(err);
              ctx.status = 500;
              ctx.body = 'custom';
            }
          }),
      );
      const res = await fetch(`${url}/x`);
      expect(await res.text()).toBe('custom');
      expect(seen).toHaveLength(1);
      expect(Object.is(seen[0], value)).toBe(true);
      expect((await fetch(`${url}/x`)).status).toBe(500);
    });

    it('a 10 MB upstream body is answered like any other upstream error', async () => {
      const huge = { status: 429, headers: { 'retry-after': '7' }, body: 'x'.repeat(10 * 2 ** 20) };
      const url = await start(() => {
        throw huge;
      });
      const res = await fetch(`${url}/x`);
      const body = await res.text();
      expect(res.status).toBe(503);
      expect(body).toBe(expectedFor(huge).body);
    });
  });
});

describe('called outside Koa', () => {
  // Koa's composer always hands over a promise-returning next(); a hand-rolled caller may not.
  const ctx = {
    method: 'GET',
    originalUrl: '/x',
    headerSent: false,
    req: { headers: {} },
    res: { statusCode: 200 },
  } as unknown as Parameters<Middleware>[0];
  const middleware = upstreamErrorHandler({ logger: false });

  it('turns a next() that throws synchronously into a rejection with the same error', async () => {
    const own = new Error('not upstream');
    const result = middleware(ctx, () => {
      throw own;
    });
    await expect(result).rejects.toBe(own);
  });

  it('accepts a next() that returns nothing', async () => {
    await expect(middleware(ctx, (() => undefined) as never)).resolves.toBeUndefined();
  });
});
