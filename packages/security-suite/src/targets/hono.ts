import type { Server } from 'node:http';
import { upstreamErrorHandler, upstreamSSEErrorHandler } from '@four29/hono';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import { rateLimiter } from 'hono-rate-limiter';
import { tick } from '../net.js';
import { running, STREAM_TOKEN, type Target } from './types.js';

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
export const honoTarget: Target = {
  name: 'hono',
  handlesNonErrors: false,
  async start(spec) {
    const app = new Hono();
    const report = spec.fallback;
    const fallback =
      report !== undefined
        ? (err: Error, c: Context) => {
            report(err);
            return c.text('fallback', 500);
          }
        : undefined;
    if (spec.four29 !== undefined) {
      app.onError(
        upstreamErrorHandler({ ...spec.four29, ...(fallback !== undefined ? { fallback } : {}) }),
      );
    } else if (fallback !== undefined) app.onError(fallback);
    const onStreamError =
      spec.four29 !== undefined ? upstreamSSEErrorHandler(spec.four29) : undefined;
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
          await s.write(STREAM_TOKEN);
          await tick();
          throw await fail(c.req.param('key') ?? '');
        },
        onStreamError?.(c),
      );
    app.get(
      '/stream/:key',
      stream((key) => spec.error(key)),
    );
    app.get(
      '/stream-live/:key',
      stream(async (key) => {
        await spec.live?.(key);
        return new Error('live() resolved');
      }),
    );
    app.get('/limited', limiter(false), (c) => c.text('ok'));
    app.get('/limited-throw', limiter(true), (c) => c.text('ok'));
    app.post('/json', bodyLimit({ maxSize: 1024 }), async (c) => {
      await c.req.json();
      return c.text('ok');
    });
    // On @hono/node-server, the way Hono runs on Node.
    return running(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server);
  },
};
