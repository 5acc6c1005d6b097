import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { expect, it } from 'vitest';
import { upstreamErrorHandler, upstreamSSEErrorHandler } from '../src/index.js';

// Compiled by `tsc` in typecheck: the handlers must accept an app's own Env and typed routes.
type AppEnv = { Variables: { user: string }; Bindings: { TOKEN: string } };

it('fits apps with their own Env, path and input types', () => {
  const app = new Hono<AppEnv>();
  const onStreamError = upstreamSSEErrorHandler();
  app.get('/stream/:id', (c) =>
    streamSSE(c, async (stream) => stream.writeSSE({ data: c.req.param('id') }), onStreamError(c)),
  );
  app.onError(upstreamErrorHandler<AppEnv>({ fallback: (_err, c) => c.text(c.var.user, 500) }));
  expect(app.routes.length).toBeGreaterThan(0);
});
