import { createUpstreamErrorHandler, type Four29Options } from '@four29/core';
import { finishStartedResponse } from '@four29/core/internal';
import type { Middleware } from 'koa';

export type { Four29Options } from '@four29/core';

/**
 * Koa 2/3 middleware: `app.use(upstreamErrorHandler())` before everything else. Upstream errors
 * (rate limits, quota, overload, timeouts, …) are answered with a problem+json response; anything
 * else is rethrown untouched, so Koa's own error handling and `app.on('error')` still see it.
 */
export function upstreamErrorHandler(options?: Four29Options): Middleware {
  const handle = createUpstreamErrorHandler(options);
  // Not an async function: this layer wraps every request, and on success a plain `.then` costs
  // one derived promise where an async function adds its own promise and frame as well.
  return function four29UpstreamErrorHandler(ctx, next) {
    let pending: Promise<unknown>;
    try {
      // Koa's composer always returns a promise; a hand-rolled caller might throw or not.
      pending = Promise.resolve(next());
    } catch (err) {
      pending = Promise.reject(err);
    }
    return pending.then(undefined, (err: unknown) => {
      const started = ctx.headerSent;
      const handled = handle(err, {
        method: ctx.method,
        // originalUrl survives koa-mount rewriting ctx.url.
        path: ctx.originalUrl,
        requestId: ctx.req.headers['x-request-id'],
        responseStarted: started,
        downstreamStatus: ctx.res.statusCode,
      });
      if (handled === null) throw err;
      if (started) {
        finishStartedResponse(ctx.res, handled);
        return;
      }
      // A streaming route may have opted out of Koa's response handling before it failed; without
      // this Koa would never answer and the client would hang.
      ctx.respond = true;
      // Body first: Koa's body setter picks a content-type and status unless they are set after.
      ctx.body = handled.body;
      ctx.status = handled.status;
      ctx.set(handled.headers);
    });
  };
}
