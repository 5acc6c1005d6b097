import type { Server } from 'node:http';
import type { Four29Options } from '@four29/core';
import { serve } from '@hono/node-server';
import { type Context, type ErrorHandler, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { rateLimiter } from 'hono-rate-limiter';
import { onSocket, streamFailures, tick } from './net.js';
import { type AppSpec, type NativeError, STREAM_TOKEN, type Target } from './types.js';

/** `@four29/hono` as the app imports it (passed in: test-kit cannot depend on the adapters it tests). */
export interface HonoAdapter {
  upstreamErrorHandler(options?: Four29Options & { fallback?: ErrorHandler }): ErrorHandler;
  upstreamSSEErrorHandler(
    options?: Four29Options,
  ): (c: Context) => (err: Error, stream: SSEStreamingApi) => Promise<void>;
}

function limiter(throws: boolean) {
  return rateLimiter({
    windowMs: 60_000,
    limit: 1,
    standardHeaders: 'draft-7',
    keyGenerator: () => 'suite',
    // The documented way to make the limiter's 429 an error for the app's own onError.
    ...(throws
      ? {
          handler: () => {
            throw new HTTPException(429, { message: 'Too many requests, please try again later.' });
          },
        }
      : {}),
  });
}

/** Hono 4 with `app.onError(upstreamErrorHandler())` and the streamSSE helper, as its README says. */
function build(adapter: HonoAdapter, spec: AppSpec): Hono {
  const app = new Hono();
  const report = spec.fallback;
  const fallback: ErrorHandler | undefined =
    report !== undefined
      ? (err, c) => {
          report(err);
          return c.text('fallback', 500);
        }
      : undefined;
  if (spec.four29 !== undefined) {
    app.onError(
      adapter.upstreamErrorHandler({
        ...spec.four29,
        ...(fallback !== undefined ? { fallback } : {}),
      }),
    );
  } else if (fallback !== undefined) app.onError(fallback);
  // Once streamSSE has returned its Response, errors never reach onError: the adapter's documented
  // mechanism is upstreamSSEErrorHandler as streamSSE's third argument.
  const onStreamError =
    spec.four29 !== undefined ? adapter.upstreamSSEErrorHandler(spec.four29) : undefined;
  app.get('/sync/:key', (c) => {
    throw spec.error(c.req.param('key'));
  });
  app.get('/async/:key', async (c) => {
    await tick();
    throw spec.error(c.req.param('key'));
  });
  app.get('/live/:key', async (c) => {
    await spec.live?.(c.req.param('key'));
    return c.text('unreachable');
  });
  const stream = (fail: (key: string) => unknown) => (c: Context) =>
    streamSSE(
      c,
      async (s) => {
        // writeSSE formats `data: …\n\n`; writing the token raw keeps the bytes identical to the
        // other frameworks' by construction.
        await s.write(STREAM_TOKEN);
        await tick();
        throw await fail(c.req.param('key') ?? '');
      },
      onStreamError?.(c),
    );
  for (const [path, fail] of streamFailures(spec)) app.get(path, stream(fail));
  app.get('/limited', limiter(false), (c) => c.text('ok'));
  app.get('/limited-throw', limiter(true), (c) => c.text('ok'));
  app.post('/json', bodyLimit({ maxSize: 1024 }), async (c) => {
    await c.req.json();
    return c.text('ok');
  });
  return app;
}

/** Hono's own non-upstream errors: an HTTPException, as a rate-limiting middleware throws. */
function nativeErrors(): NativeError[] {
  return [
    {
      id: 'hono-httpexception-429',
      error: new HTTPException(429, { message: 'Too Many Requests' }),
    },
    {
      id: 'hono-httpexception-res',
      error: new HTTPException(429, {
        res: new Response('slow down', { status: 429, headers: { 'retry-after': '10' } }),
      }),
    },
  ];
}

/** Hono on `@hono/node-server` (the way it runs on Node) and without a server (`app.request`). */
export function honoTargets(adapter: HonoAdapter): { node: Target; request: Target } {
  return {
    node: {
      name: 'hono-node-server',
      handlesNonErrors: false,
      nativeErrors,
      async start(spec) {
        const app = build(adapter, spec);
        return onSocket(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server);
      },
    },
    // As on Workers or in Hono's own tests.
    request: {
      name: 'hono-app.request',
      handlesNonErrors: false,
      nativeErrors,
      async start(spec) {
        const app = build(adapter, spec);
        return { fetch: async (path, init) => app.request(path, init), close: async () => {} };
      },
    },
  };
}
