import { createServer, type Server } from 'node:http';
import { upstreamErrorHandler } from '@four29/koa';
import Koa, { type Middleware } from 'koa';
import { FAIL_PATH, four29Options, OK_PATH, STATIC_503_BODY, type Variant } from './shared.js';

const static503: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch {
    ctx.status = 503;
    ctx.type = 'application/json';
    ctx.body = STATIC_503_BODY;
  }
};

export function koaApp(variant: Variant, error: Error): (port: number) => Promise<Server> {
  const app = new Koa();
  // No stack traces on stderr from the bare app's default error handling.
  app.silent = true;
  const options = four29Options(variant);
  if (options !== undefined) app.use(upstreamErrorHandler(options));
  else if (variant === 'static') app.use(static503);
  app.use((ctx) => {
    if (ctx.path === OK_PATH) ctx.body = { ok: true };
    else if (ctx.path === FAIL_PATH) throw error;
  });
  return (port) =>
    new Promise((resolve, reject) => {
      const server = createServer(app.callback());
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
}
