import type { Server } from 'node:http';
import { createUpstreamErrorHandler } from '@four29/core';
import { upstreamErrorHandler } from '@four29/hono';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { FAIL_PATH, four29Options, OK_PATH, STATIC_503_BODY, type Variant } from './shared.js';
import { timed } from './timing.js';

export function honoApp(variant: Variant, error: Error): (port: number) => Promise<Server> {
  const app = new Hono();
  app.get(OK_PATH, (c) => c.json({ ok: true }));
  app.get(FAIL_PATH, () => {
    throw error;
  });
  const options = four29Options(variant);
  if (options !== undefined) app.onError(upstreamErrorHandler(options));
  else if (variant === 'four29-timed') {
    const handle = createUpstreamErrorHandler({ logger: false });
    app.onError((err, c) => {
      // What @four29/hono hands the core, timed; then the baseline's answer, so only the call differs.
      timed(() => handle(err, { method: c.req.method, path: FAIL_PATH }));
      return c.newResponse(STATIC_503_BODY, 503, { 'content-type': 'application/json' });
    });
  } else if (variant === 'static')
    app.onError((_err, c) =>
      c.newResponse(STATIC_503_BODY, 503, { 'content-type': 'application/json' }),
    );
  return (port) =>
    new Promise((resolve, reject) => {
      const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () =>
        resolve(server as Server),
      );
      server.once('error', reject);
    });
}
