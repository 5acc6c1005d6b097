import type { Four29Options } from '@four29/core';
import {
  expectedFor,
  expectNothingLeaked,
  FIXTURE_NOW,
  hostileThrownValues,
  replayUpstream,
  snapshot,
  testLogger,
  upstreamHttpError,
} from '@four29/test-kit';
import fastify5, { type FastifyInstance } from 'fastify';
import fastify4 from 'fastify4';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import four29Default, { four29 } from '../src/index.js';

const majors = [
  { name: 'Fastify 4', create: fastify4 as unknown as typeof fastify5, major: 4 },
  { name: 'Fastify 5', create: fastify5, major: 5 },
];

const STREAM_TOKEN = 'data: {"token":"Hel"}\n\n';

describe.each(majors)('$name', ({ create, major }) => {
  const apps: FastifyInstance[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  /**
   * Starts an app on 127.0.0.1; `four29: false` builds the same app without four29. `before` runs
   * before four29 registers (the user's own error handler, say).
   */
  async function start(
    routes: (app: FastifyInstance) => void,
    four29Options: Four29Options | false = {},
    before?: (app: FastifyInstance) => void,
  ): Promise<string> {
    const app = create({ bodyLimit: 1024 });
    before?.(app);
    if (four29Options !== false)
      await app.register(four29, { now: () => FIXTURE_NOW, logger: false, ...four29Options });
    routes(app);
    apps.push(app);
    return app.listen({ port: 0, host: '127.0.0.1' });
  }

  it('really runs that major', async () => {
    const app = create();
    apps.push(app);
    expect(app.version.split('.')[0]).toBe(String(major));
  });

  it('answers an upstream error thrown in a route with the exact problem core renders', async () => {
    const { logger, records } = testLogger();
    const error = upstreamHttpError('openai.rate_limit.tokens');
    const url = await start(
      (app) =>
        app.post('/v1/chat', async () => {
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
    expect(res.status).toBe(expected.status);
    for (const [name, value] of Object.entries(expected.headers)) {
      expect(res.headers.get(name)).toBe(value);
    }
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(expected.body)));
    expect(body).toBe(expected.body);
    expectNothingLeaked(body, res.headers);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: 'warn',
      obj: {
        kind: 'rate_limited',
        downstream: { status: 503 },
        http: { method: 'POST', path: '/v1/chat', requestId: 'client-req-1' },
      },
    });
    expect(JSON.stringify(records)).not.toContain('AIza');
  });

  it('is the default export too, and a fastify-plugin (sets the error handler of its scope)', async () => {
    expect(four29Default).toBe(four29);
    expect((four29 as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')]).toBe(true);
    const error = upstreamHttpError('anthropic.overloaded');
    const url = await start((app) =>
      app.get('/sync', () => {
        throw error;
      }),
    );
    const res = await fetch(`${url}/sync`);
    expect(await res.text()).toBe(expectedFor(error).body);
  });

  it("keeps Fastify's reply lifecycle: headers set earlier and onSend hooks apply", async () => {
    const error = upstreamHttpError('openai.rate_limit.tokens');
    let onSendSaw: unknown;
    const url = await start((app) => {
      app.addHook('onRequest', async (_request, reply) => {
        reply.header('x-app', 'kept');
      });
      app.addHook('onSend', async (_request, reply, payload) => {
        onSendSaw = reply.statusCode;
        return payload;
      });
      app.get('/sync', () => {
        throw error;
      });
    });
    const res = await fetch(`${url}/sync`);
    expect(res.headers.get('x-app')).toBe('kept');
    expect(onSendSaw).toBe(503);
    expect(await res.text()).toBe(expectedFor(error).body);
  });

  it("answers the real openai client's error for an exhausted quota", async () => {
    const upstream = await replayUpstream('openai.insufficient_quota');
    closers.push(
      () =>
        new Promise((resolve) => {
          upstream.server.closeAllConnections();
          upstream.server.close(() => resolve());
        }),
    );
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${upstream.url}/v1`, maxRetries: 0 });
    let thrown: unknown;
    const url = await start((app) =>
      app.post('/ask', async () => {
        try {
          return await client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hi' }],
          });
        } catch (error) {
          thrown = error;
          throw error;
        }
      }),
    );
    const res = await fetch(`${url}/ask`, { method: 'POST' });
    const body = await res.text();
    expect(res.status).toBe(503);
    expect(body).toBe(expectedFor(thrown).body);
    expect(JSON.parse(body)).toMatchObject({ kind: 'quota_exhausted', retryable: false });
  });

  it('ends a token stream written to reply.raw with one problem event', async () => {
    const { logger, records } = testLogger();
    const error = upstreamHttpError('openai.rate_limit.tokens');
    const url = await start(
      (app) =>
        app.get('/stream', async (_request, reply) => {
          reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
          reply.raw.write(STREAM_TOKEN);
          await new Promise((resolve) => setImmediate(resolve));
          throw error;
        }),
      { logger },
    );
    const res = await fetch(`${url}/stream`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`${STREAM_TOKEN}${expectedFor(error).sse}`);
    expect(records[0]?.obj.downstream).toEqual({ status: 200 });
  });

  it.each(['onRequest', 'preValidation', 'preHandler'] as const)(
    'answers an upstream error thrown in a %s hook with the exact problem',
    async (hook) => {
      const error = upstreamHttpError('anthropic.overloaded');
      const url = await start((app) =>
        app.get(
          '/hooked',
          {
            [hook]: async () => {
              throw error;
            },
          },
          async () => 'ok',
        ),
      );
      const res = await fetch(`${url}/hooked`);
      const want = expectedFor(error);
      expect(res.status).toBe(want.status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.text()).toBe(want.body);
    },
  );

  it('aborts a started non-stream response instead of ending it as if complete', async () => {
    const url = await start((app) =>
      app.get('/list', async (_request, reply) => {
        reply.raw.writeHead(200, { 'content-type': 'application/json' });
        reply.raw.write('{"items":[');
        await new Promise((resolve) => setImmediate(resolve));
        throw upstreamHttpError('openai.server_error');
      }),
    );
    const res = await fetch(`${url}/list`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('cannot see errors after reply.hijack(): Fastify never calls an error handler (its limit)', async () => {
    // Fastify logs a rejection after hijack ("reply.sent = true") and calls no error handler; a
    // hijacked route must end its own stream. Pinned so a Fastify change is noticed.
    const { logger, records } = testLogger();
    const url = await start(
      (app) =>
        app.get('/hijacked', async (_request, reply) => {
          reply.hijack();
          reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
          reply.raw.write(STREAM_TOKEN);
          setTimeout(() => reply.raw.end(), 50);
          throw upstreamHttpError('openai.rate_limit.tokens');
        }),
      { logger },
    );
    const res = await fetch(`${url}/hijacked`);
    expect(await res.text()).toBe(STREAM_TOKEN);
    expect(records).toEqual([]);
  });

  describe("leaves Fastify's own errors to Fastify, answering byte for byte as without four29", () => {
    const routes = (app: FastifyInstance) => {
      app.post(
        '/validated',
        {
          schema: {
            body: {
              type: 'object',
              required: ['name'],
              properties: { name: { type: 'string' } },
            },
          },
        },
        async () => 'ok',
      );
      app.post('/json', async () => 'ok');
      app.get(
        '/hook-throws',
        {
          onRequest: async () => {
            throw Object.assign(new Error('Too many requests from you'), { statusCode: 429 });
          },
        },
        async () => 'ok',
      );
      app.get(
        '/prehandler-throws',
        {
          preHandler: (_request, _reply, done) => done(new Error('boom')),
        },
        async () => 'ok',
      );
      app.get(
        '/prevalidation-throws',
        {
          preValidation: async () => {
            throw Object.assign(new Error('No'), { statusCode: 403 });
          },
        },
        async () => 'ok',
      );
      app.get(
        '/preserialization-throws',
        {
          preSerialization: async () => {
            throw new Error('serializer hook failed');
          },
        },
        async () => ({ ok: true }),
      );
      app.get(
        '/onsend-throws',
        {
          onSend: async () => {
            throw Object.assign(new Error('Bad gateway of ours'), { statusCode: 502 });
          },
        },
        async () => 'ok',
      );
      app.get('/plain', async () => {
        throw new Error('plain failure');
      });
      app.get('/status-error', async () => {
        throw Object.assign(new Error('Not here'), { statusCode: 404, code: 'APP_NOT_FOUND' });
      });
      app.get('/string', async () => {
        throw 'a thrown string';
      });
      app.get('/reply-error', async (_request, reply) =>
        reply.code(429).send(new Error('slow down')),
      );
    };
    const requests: [string, string, RequestInit?][] = [
      ['validation error', '/validated', { method: 'POST', body: '{}', headers: JSON_TYPE }],
      ['unknown route (404)', '/nowhere'],
      ['wrong method (404)', '/plain', { method: 'DELETE' }],
      ['body over bodyLimit (413)', '/json', { method: 'POST', body: big(), headers: JSON_TYPE }],
      ['malformed JSON body', '/json', { method: 'POST', body: '{"a":', headers: JSON_TYPE }],
      ['unsupported media type', '/json', { method: 'POST', body: 'x', headers: XML_TYPE }],
      ['error thrown in an onRequest hook', '/hook-throws'],
      ['error passed to done() in a preHandler hook', '/prehandler-throws'],
      ['error thrown in a preValidation hook', '/prevalidation-throws'],
      ['error thrown in a preSerialization hook', '/preserialization-throws'],
      ['error thrown in an onSend hook', '/onsend-throws'],
      ['plain Error from the route', '/plain'],
      ['Error with statusCode and code', '/status-error'],
      ['a thrown string', '/string'],
      ['reply.send(error)', '/reply-error'],
    ];
    it.each(requests)('%s', async (_name, path, init) => {
      const withFour29 = await start(routes);
      const without = await start(routes, false);
      const a = await snapshot(await fetch(`${without}${path}`, init));
      const b = await snapshot(await fetch(`${withFour29}${path}`, init));
      expect(b).toStrictEqual(a);
    });

    it.each(hostileThrownValues())(
      '%s: reaches Fastify untouched, the server keeps serving',
      async (_name, value) => {
        const add = (app: FastifyInstance) => {
          app.get('/hostile', async () => {
            throw value;
          });
          app.get('/ok', async () => 'ok');
        };
        const withFour29 = await start(add);
        const without = await start(add, false);
        const a = await snapshot(await fetch(`${without}/hostile`));
        const b = await snapshot(await fetch(`${withFour29}/hostile`));
        expect(b).toStrictEqual(a);
        expect(await (await fetch(`${withFour29}/ok`)).text()).toBe('ok');
      },
    );
  });

  describe("chains to the app's own error handler", () => {
    it('set before four29 registers: it gets every non-upstream error, four29 the upstream ones', async () => {
      const seen: unknown[] = [];
      const upstream = upstreamHttpError('openai.rate_limit.tokens');
      const own = new Error('mine');
      const url = await start(
        (app) => {
          app.get('/own', async () => {
            throw own;
          });
          app.get('/upstream', async () => {
            throw upstream;
          });
        },
        {},
        (app) =>
          app.setErrorHandler((error, _request, reply) => {
            seen.push(error);
            return reply.code(418).send({ handledBy: 'app' });
          }),
      );
      const mine = await fetch(`${url}/own`);
      expect(mine.status).toBe(418);
      expect(await mine.json()).toEqual({ handledBy: 'app' });
      expect(seen).toEqual([own]);
      const theirs = await fetch(`${url}/upstream`);
      expect(await theirs.text()).toBe(expectedFor(upstream).body);
      expect(seen).toEqual([own]);
    });

    it('an async handler that rethrows reaches Fastify’s default once, as without four29', async () => {
      let calls = 0;
      const before = (app: FastifyInstance) =>
        app.setErrorHandler(async (error) => {
          calls += 1;
          throw error;
        });
      const routes = (app: FastifyInstance) =>
        app.get('/own', async () => {
          throw Object.assign(new Error('gone'), { statusCode: 410 });
        });
      const withFour29 = await start(routes, {}, before);
      const without = await start(routes, false, before);
      const a = await snapshot(await fetch(`${without}/own`));
      expect(calls).toBe(1);
      const b = await snapshot(await fetch(`${withFour29}/own`));
      expect(b).toStrictEqual(a);
      expect(calls).toBe(2);
    });

    it("a parent scope's handler is kept for errors four29 declines in a child scope", async () => {
      const url = await start(
        (app) => {
          app.register(async (child) => {
            await child.register(four29, { logger: false });
            child.get('/child', async () => {
              throw new Error('child failure');
            });
            child.get('/child-upstream', async () => {
              throw upstreamHttpError('openai.server_error');
            });
          });
        },
        false,
        (app) => app.setErrorHandler((_error, _request, reply) => reply.code(500).send('parent')),
      );
      expect(await (await fetch(`${url}/child`)).text()).toBe('parent');
      const upstream = await fetch(`${url}/child-upstream`);
      expect(upstream.headers.get('content-type')).toBe('application/problem+json');
      expect(await upstream.text()).toBe(
        expectedFor(upstreamHttpError('openai.server_error')).body,
      );
    });
  });
});

const JSON_TYPE = { 'content-type': 'application/json' };
const XML_TYPE = { 'content-type': 'application/xml' };

function big(): string {
  return JSON.stringify({ text: 'x'.repeat(4096) });
}
