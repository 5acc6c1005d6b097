import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Four29Options } from '@four29/core';
import {
  close,
  descriptor,
  expectedFor,
  expectNothingLeaked,
  FIXTURE_NOW,
  replayUpstream,
  snapshot,
  testLogger,
  upstreamHttpError,
} from '@four29/test-kit';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  upstreamErrorHandler,
  upstreamErrorMiddleware,
  upstreamSSEErrorHandler,
} from '../src/index.js';

const servers: Server[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map(close));
});

/** Serves `app` with @hono/node-server on 127.0.0.1: a real socket, as in production on Node. */
async function serveOnSocket(app: Hono): Promise<string> {
  let server: Server | undefined;
  const info = await new Promise<AddressInfo>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, resolve) as Server;
  });
  if (server !== undefined) servers.push(server);
  return `http://127.0.0.1:${info.port}`;
}

function withFour29(four29: Four29Options = {}): Hono {
  const app = new Hono();
  app.onError(upstreamErrorHandler({ now: () => FIXTURE_NOW, logger: false, ...four29 }));
  return app;
}

describe('upstreamErrorHandler (app.onError)', () => {
  it('answers an UpstreamHttpError with the exact problem core renders, over a real socket', async () => {
    const { logger, records } = testLogger();
    const error = upstreamHttpError('openai.rate_limit.tokens');
    const app = withFour29({ logger });
    app.post('/v1/chat', () => {
      throw error;
    });
    const url = await serveOnSocket(app);
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

  it('answers errors from async handlers and middleware, via app.request', async () => {
    const error = upstreamHttpError('anthropic.overloaded');
    const app = withFour29({ logger: false });
    app.use('/guarded/*', async () => {
      throw error;
    });
    app.get('/async', async () => {
      await Promise.resolve();
      throw error;
    });
    for (const path of ['/async', '/guarded/x']) {
      const res = await app.request(path);
      expect(res.status).toBe(503);
      expect(await res.text()).toBe(expectedFor(error).body);
    }
  });

  it('logs the path as the client sent it (undecoded, query dropped), like the Node adapters', async () => {
    const { logger, records } = testLogger();
    const app = withFour29({ logger });
    app.get('/files/:name', () => {
      throw upstreamHttpError('openai.rate_limit.tokens');
    });
    await app.request('/files/caf%C3%A9%20menu?key=AIzaSyFAKEFAKEFAKEFAKEFAKEFAKE0000');
    expect(records[0]?.obj.http).toEqual({ method: 'GET', path: '/files/caf%C3%A9%20menu' });
  });

  it('reads the request id from the Fetch request, and from the Node request under node-server', async () => {
    const { logger, records } = testLogger();
    const app = withFour29({ logger, logSuppression: false });
    app.get('/x', () => {
      throw upstreamHttpError('openai.rate_limit.tokens');
    });
    const fetched = await app.request('/x', { headers: { 'x-request-id': 'fetch-1' } });
    expect(JSON.parse(await fetched.text()).requestId).toBe('fetch-1');
    // What @hono/node-server passes as the env; its Headers would say otherwise.
    const incoming = { headers: { 'x-request-id': 'node-1' } };
    const viaNode = await app.request('/x', { headers: { 'x-request-id': 'other' } }, { incoming });
    expect(JSON.parse(await viaNode.text()).requestId).toBe('node-1');
    expect(records.map((r) => (r.obj.http as { requestId?: string }).requestId)).toEqual([
      'fetch-1',
      'node-1',
    ]);
  });

  it("answers the real openai client's rate-limit error", async () => {
    const upstream = await replayUpstream('openai.rate_limit.requests');
    servers.push(upstream.server);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${upstream.url}/v1`, maxRetries: 0 });
    let thrown: unknown;
    const app = withFour29({ logger: false });
    app.post('/ask', async (c) => {
      try {
        return c.json(
          await client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        );
      } catch (error) {
        thrown = error;
        throw error;
      }
    });
    const res = await fetch(`${await serveOnSocket(app)}/ask`, { method: 'POST' });
    const body = await res.text();
    expect((thrown as { status?: unknown }).status).toBe(429);
    expect(res.status).toBe(503);
    expect(body).toBe(expectedFor(thrown).body);
    expectNothingLeaked(body, res.headers);
  });

  it('a plain descriptor never reaches onError: Hono passes only Error instances to it', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const thrown = descriptor('openai.rate_limit.tokens');
    const { logger, records } = testLogger();
    const app = withFour29({ logger });
    app.get('/x', () => {
      throw thrown;
    });
    let caught: unknown;
    try {
      await app.request('/x');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(thrown);
    const bare = new Hono();
    bare.get('/x', () => {
      throw thrown;
    });
    const ours = await snapshot(await fetch(`${await serveOnSocket(app)}/x`));
    expect(ours).toEqual(await snapshot(await fetch(`${await serveOnSocket(bare)}/x`)));
    expect(ours.status).toBe(500);
    expect(ours.body).not.toContain('Rate limit');
    expect(records).toEqual([]);
  });

  it('upstreamErrorMiddleware answers a thrown descriptor that onError never sees', async () => {
    const thrown = descriptor('openai.rate_limit.tokens');
    const app = withFour29();
    app.use(upstreamErrorMiddleware({ now: () => FIXTURE_NOW, logger: false }));
    app.get('/x', (c) => {
      c.header('access-control-allow-origin', '*');
      throw thrown;
    });
    app.get('/error', () => {
      throw upstreamHttpError('openai.rate_limit.tokens');
    });
    const url = await serveOnSocket(app);
    const res = await fetch(`${url}/x`, { signal: AbortSignal.timeout(5000) });
    const want = expectedFor(thrown);
    expect(res.status).toBe(want.status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = await res.text();
    expect(body).toBe(want.body);
    expectNothingLeaked(body, res.headers);
    // Error instances still go through onError, answered once.
    const viaOnError = await fetch(`${url}/error`);
    expect(viaOnError.status).toBe(503);
    expect(await viaOnError.text()).toBe(
      expectedFor(upstreamHttpError('openai.rate_limit.tokens')).body,
    );
  });

  it('upstreamErrorMiddleware rethrows other non-Error values as the same value', async () => {
    const app = new Hono();
    app.use(upstreamErrorMiddleware({ logger: false }));
    const thrown = { not: 'an upstream error' };
    app.get('/x', () => {
      throw thrown;
    });
    let caught: unknown;
    try {
      await app.request('/x');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(thrown);
  });

  describe("leaves other errors to Hono's own behaviour by default", () => {
    const cases: [string, () => Error][] = [
      ['HTTPException 401', () => new HTTPException(401, { message: 'no token' })],
      [
        'HTTPException with its own response (an own rate limiter)',
        () =>
          new HTTPException(429, {
            res: new Response('slow down', { status: 429, headers: { 'retry-after': '30' } }),
          }),
      ],
      ['a plain Error', () => new Error('boom')],
    ];
    it.each(cases)('%s', async (_name, make) => {
      const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
      const { logger, records } = testLogger();
      const a = withFour29({ logger });
      const b = new Hono();
      for (const app of [a, b])
        app.get('/x', () => {
          throw make();
        });
      const ours = await snapshot(await a.request('/x'));
      const calls = consoleError.mock.calls.length;
      expect(ours).toEqual(await snapshot(await b.request('/x')));
      expect(ours.status).toBeGreaterThanOrEqual(400);
      // Hono logs what it answers with 500 itself; so does the default fallback, once per error.
      expect(consoleError.mock.calls.length).toBe(calls * 2);
      expect(records).toEqual([]);
    });

    it('hands them to `fallback` when one is given', async () => {
      const seen: Error[] = [];
      const app = new Hono();
      app.onError(
        upstreamErrorHandler({
          logger: false,
          fallback: (err, c) => {
            seen.push(err);
            return c.json({ oops: true }, 500);
          },
        }),
      );
      const own = new Error('boom');
      app.get('/own', () => {
        throw own;
      });
      app.get('/upstream', () => {
        throw upstreamHttpError('openai.rate_limit.tokens');
      });
      expect(await (await app.request('/own')).json()).toEqual({ oops: true });
      expect(seen).toEqual([own]);
      expect((await app.request('/upstream')).status).toBe(503);
      expect(seen).toHaveLength(1);
    });
  });

  describe('sub-apps (app.route)', () => {
    it("a sub-app without onError is covered by the parent's", async () => {
      const parent = withFour29({ logger: false });
      const sub = new Hono();
      sub.get('/x', () => {
        throw upstreamHttpError('openai.rate_limit.tokens');
      });
      parent.route('/sub', sub);
      expect((await parent.request('/sub/x')).status).toBe(503);
    });

    it("a sub-app's own onError, set before app.route(), wins over the parent's", async () => {
      const parent = withFour29({ logger: false });
      const sub = new Hono();
      sub.onError((_err, c) => c.text('sub handler', 500));
      sub.get('/x', () => {
        throw upstreamHttpError('openai.rate_limit.tokens');
      });
      parent.route('/sub', sub);
      const res = await parent.request('/sub/x');
      expect([res.status, await res.text()]).toEqual([500, 'sub handler']);
    });

    it('an onError set on the sub-app after app.route() is ignored (Hono copies routes at mount)', async () => {
      const parent = withFour29({ logger: false });
      const sub = new Hono();
      sub.get('/x', () => {
        throw upstreamHttpError('openai.rate_limit.tokens');
      });
      parent.route('/sub', sub);
      sub.onError((_err, c) => c.text('sub handler', 500));
      expect((await parent.request('/sub/x')).status).toBe(503);
    });

    it('four29 on the sub-app with the old handler as fallback keeps both', async () => {
      const parent = new Hono();
      const sub = new Hono();
      sub.onError(upstreamErrorHandler({ logger: false, fallback: (_e, c) => c.text('sub', 500) }));
      sub.get('/up', () => {
        throw upstreamHttpError('openai.rate_limit.tokens');
      });
      sub.get('/own', () => {
        throw new Error('own');
      });
      parent.route('/sub', sub);
      expect((await parent.request('/sub/up')).status).toBe(503);
      expect(await (await parent.request('/sub/own')).text()).toBe('sub');
    });
  });

  describe('options, through the adapter', () => {
    it('a throwing shouldHandle or a throwing logger still yields the problem response', async () => {
      const error = upstreamHttpError('openai.rate_limit.tokens');
      const boom = () => {
        throw new Error('down');
      };
      const app = withFour29({ shouldHandle: boom, logger: { warn: boom, error: boom } });
      app.get('/x', () => {
        throw error;
      });
      const res = await app.request('/x');
      expect(res.status).toBe(503);
      expect(await res.text()).toBe(expectedFor(error).body);
    });

    it("shouldHandle declining and policy 'passthrough'", async () => {
      vi.spyOn(console, 'error').mockImplementation(() => {});
      const error = upstreamHttpError('openai.rate_limit.tokens');
      const declined = withFour29({ logger: false, shouldHandle: () => false });
      const passthrough = withFour29({ logger: false, policy: 'passthrough' });
      for (const app of [declined, passthrough])
        app.get('/x', () => {
          throw error;
        });
      const res = await declined.request('/x');
      expect([res.status, await res.text()]).toEqual([500, 'Internal Server Error']);
      const res429 = await passthrough.request('/x');
      expect(res429.status).toBe(429);
      expect(await res429.text()).toBe(expectedFor(error, { policy: 'passthrough' }).body);
    });

    it('a typed Env app accepts the handler as is', () => {
      const app = new Hono<{ Bindings: { OPENAI_API_KEY: string }; Variables: { user: string } }>();
      app.onError(upstreamErrorHandler({ fallback: (_err, c) => c.text(c.get('user'), 500) }));
      expect(app).toBeInstanceOf(Hono);
    });
  });

  describe('hostile Errors reach the fallback untouched', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const cyclic = new Error('cyclic');
    (cyclic as { cause?: unknown }).cause = cyclic;
    const hostile: [string, Error][] = [
      ['an Error Proxy whose property reads throw', new Proxy(new Error('p'), { get: trap })],
      [
        'an Error whose status and headers getters throw',
        Object.defineProperties(new Error('g'), { status: { get: trap }, headers: { get: trap } }),
      ],
      ['an Error that is its own cause', cyclic],
    ];
    it.each(hostile)('%s', async (_name, value) => {
      const seen: unknown[] = [];
      const app = new Hono();
      app.onError(
        upstreamErrorHandler({
          logger: false,
          fallback: (err, c) => {
            seen.push(err);
            return c.text('custom', 500);
          },
        }),
      );
      app.get('/x', () => {
        throw value;
      });
      expect(await (await app.request('/x')).text()).toBe('custom');
      expect(seen).toHaveLength(1);
      expect(Object.is(seen[0], value)).toBe(true);
    });
  });
});

describe('upstreamSSEErrorHandler (streamSSE onError)', () => {
  const onStreamError = upstreamSSEErrorHandler({ now: () => FIXTURE_NOW, logger: false });

  function sseApp(error: unknown, withHelper: boolean): Hono {
    const app = withFour29({ logger: false });
    app.get('/stream', (c) =>
      streamSSE(
        c,
        async (stream) => {
          await stream.writeSSE({ data: '{"token":"Hel"}' });
          throw error;
        },
        withHelper ? onStreamError(c) : undefined,
      ),
    );
    return app;
  }

  it('ends a started stream with one problem event and never the raw upstream message', async () => {
    const error = upstreamHttpError('openai.rate_limit.tokens');
    const res = await fetch(`${await serveOnSocket(sseApp(error, true))}/stream`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toBe(`data: {"token":"Hel"}\n\n${expectedFor(error).sse}`);
    expect(body).not.toContain(error.message);
    expectNothingLeaked(body, res.headers);
  });

  it('logs the error with the downstream status the client already got', async () => {
    const { logger, records } = testLogger();
    const app = new Hono();
    const helper = upstreamSSEErrorHandler({ logger });
    app.get('/s', (c) =>
      streamSSE(
        c,
        async () => {
          throw upstreamHttpError('anthropic.overloaded');
        },
        helper(c),
      ),
    );
    await (await app.request('/s?x=1')).text();
    expect(records).toMatchObject([
      { obj: { kind: 'overloaded', downstream: { status: 200 }, http: { path: '/s' } } },
    ]);
  });

  it("without the helper the error never reaches app.onError (Hono's streamSSE catches it)", async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const error = upstreamHttpError('openai.rate_limit.tokens');
    const res = await sseApp(error, false).request('/stream');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('data: {"token":"Hel"}\n\n');
    expect(consoleError).toHaveBeenCalledWith(error);
  });

  it('a non-upstream error is logged like Hono does and ends the stream without its message', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const own = new Error('secret internal detail');
    const res = await sseApp(own, true).request('/stream');
    expect(await res.text()).toBe('data: {"token":"Hel"}\n\n');
    expect(consoleError).toHaveBeenCalledWith(own);
  });
});

describe('Web-standard source', () => {
  it('imports nothing at run time but @four29/core, and touches no Node globals', () => {
    const source = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8');
    const runtimeImports = [...source.matchAll(/^import (?!type )[^;]*from '([^']+)'/gm)].map(
      (m) => m[1],
    );
    expect(runtimeImports).toEqual(['@four29/core']);
    expect(source).not.toMatch(/\b(?:process|Buffer|require)\b|node:/);
  });
});
