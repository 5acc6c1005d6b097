import { createServer, type Server } from 'node:http';
import { upstreamErrorHandler } from '@four29/koa';
import Koa, { type Middleware } from 'koa';
import { answerUpstreamError, handLogger } from '../hand-written.js';
import {
  errorHandlerFor,
  FAIL_PATH,
  type FrameworkServer,
  OK_PATH,
  STATIC_503_BODY,
} from '../shared.js';

const static503: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch {
    ctx.status = 503;
    ctx.type = 'application/json';
    ctx.body = STATIC_503_BODY;
  }
};

/** Koa's usual error middleware: the first one, wrapping `next()` in try/catch. */
function handWritten(): Middleware {
  const log = handLogger();
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const answer = answerUpstreamError(err, log);
      if (answer === undefined) throw err;
      ctx.status = answer.status;
      ctx.set(answer.headers);
      ctx.body = answer.body;
    }
  };
}

const server: FrameworkServer = {
  label: 'Koa',
  // Any Koa error middleware wraps next() on every request, so the happy path's fair anchor is the
  // hand-written try/catch middleware, not an app without one.
  happyBaseline: 'hand',
  packages: ['koa'],
  listen(variant, fail) {
    const app = new Koa();
    // No stack traces on stderr from the bare app's default error handling.
    app.silent = true;
    const middleware = errorHandlerFor<Middleware>(variant, {
      four29: upstreamErrorHandler,
      static: static503,
      hand: handWritten,
    });
    if (middleware !== undefined) app.use(middleware);
    app.use((ctx) => {
      if (ctx.path === OK_PATH) ctx.body = { ok: true };
      else if (ctx.path === FAIL_PATH) fail();
    });
    return new Promise<Server>((resolve, reject) => {
      const listening = createServer(app.callback());
      listening.once('error', reject);
      listening.listen(0, '127.0.0.1', () => resolve(listening));
    });
  },
};
export default server;
