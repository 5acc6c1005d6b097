import type { Server } from 'node:http';
import { upstreamErrorHandler, upstreamSSEErrorHandler } from '@four29/hono';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import { type AppSpec, type RunningApp, STREAM_TOKEN, type Target } from '../harness.js';
import { onSocket, tick } from './net.js';

function build(spec: AppSpec): Hono {
  const app = new Hono();
  if (spec.four29 !== undefined) app.onError(upstreamErrorHandler(spec.four29));
  const onStreamError =
    spec.four29 !== undefined ? upstreamSSEErrorHandler(spec.four29) : undefined;
  app.get('/upstream/:id', (c) => {
    throw spec.upstream(c.req.param('id'));
  });
  app.get('/untouched/:id', (c) => {
    throw spec.untouched(c.req.param('id'));
  });
  app.get('/live/:id', async (c) => {
    await spec.live(c.req.param('id'));
    return c.body(null, 204);
  });
  // Once streamSSE has returned its Response, errors never reach onError: the adapter's documented
  // mechanism is upstreamSSEErrorHandler as streamSSE's third argument.
  app.get('/stream/:id', (c) =>
    streamSSE(
      c,
      async (stream) => {
        // writeSSE formats `data: …\n\n`; writing the token raw keeps the bytes identical to the
        // other frameworks' by construction.
        await stream.write(STREAM_TOKEN);
        await tick();
        throw spec.upstream(c.req.param('id'));
      },
      onStreamError?.(c),
    ),
  );
  return app;
}

/** Hono's own non-upstream errors: an HTTPException, as a rate-limiting middleware throws. */
function nativeUntouched() {
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

export const honoNodeTarget: Target = {
  name: 'hono-node-server',
  handlesNonErrors: false,
  nativeUntouched,
  async start(spec) {
    const app = build(spec);
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    return onSocket(server);
  },
};

/** Hono without a server: `app.request`, as on Workers or in Hono's own tests. */
export const honoRequestTarget: Target = {
  name: 'hono-app.request',
  handlesNonErrors: false,
  nativeUntouched,
  async start(spec) {
    const app = build(spec);
    const running: RunningApp = {
      request: async (path, init) => app.request(path, init),
      close: async () => {},
    };
    return running;
  },
};
