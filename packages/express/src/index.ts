import { createUpstreamErrorHandler, type Four29Options } from '@four29/core';
import { finishStartedResponse, sendProblem } from '@four29/core/internal';
import type { ErrorRequestHandler } from 'express';

export type { Four29Options } from '@four29/core';

/**
 * Express 4/5 error middleware: `app.use(upstreamErrorHandler())` after the routes. Upstream errors
 * (rate limits, quota, overload, timeouts, …) are answered with a problem+json response; anything
 * else goes to `next(err)` untouched.
 */
export function upstreamErrorHandler(options?: Four29Options): ErrorRequestHandler {
  const handle = createUpstreamErrorHandler(options);
  // Four declared parameters: Express tells error middleware apart by `fn.length === 4`.
  return function four29UpstreamErrorHandler(err, req, res, next) {
    const started = res.headersSent;
    const handled = handle(err, {
      method: req.method,
      // originalUrl survives router mounting (req.url is rewritten relative to the mount point).
      path: req.originalUrl,
      requestId: req.headers['x-request-id'],
      responseStarted: started,
      downstreamStatus: res.statusCode,
    });
    if (handled === null) {
      next(err);
      return;
    }
    if (started) {
      finishStartedResponse(res, handled);
      return;
    }
    try {
      sendProblem(res, handled);
    } catch {
      // The socket went away mid-write; Express's final handler cleans up what is left.
      if (!res.headersSent) next(err);
    }
  };
}
