import type { ServerResponse } from 'node:http';
import { createUpstreamErrorHandler, type Four29Options } from '@four29/core';
import type { ErrorRequestHandler } from 'express';

export type { Four29Options } from '@four29/core';

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isEventStream(res: ServerResponse): boolean {
  const declared = res.getHeader('content-type');
  // writeHead(200, { 'content-type': … }) bypasses getHeader; the head that went out still has it.
  const head =
    typeof declared === 'string'
      ? `content-type: ${declared}`
      : (res as { _header?: unknown })._header;
  return typeof head === 'string' && /^content-type:[ \t]*text\/event-stream/im.test(head);
}

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
    const requestId = firstHeader(req.headers['x-request-id']);
    const handled = handle(err, {
      method: req.method,
      // originalUrl survives router mounting (req.url is rewritten relative to the mount point).
      path: req.originalUrl,
      ...(requestId !== undefined ? { requestId } : {}),
      responseStarted: started,
      ...(started ? { downstreamStatus: res.statusCode } : {}),
    });
    if (handled === null) {
      next(err);
      return;
    }
    try {
      if (!started) {
        res.statusCode = handled.status;
        for (const [name, value] of Object.entries(handled.headers)) res.setHeader(name, value);
        // Raw end, not res.send: send would add a charset and an ETag, and every adapter must
        // answer with the same bytes.
        res.end(handled.body);
      } else if (!res.writableEnded) {
        // Headers are out: a token stream gets a final error event, anything else is cut short.
        if (isEventStream(res)) res.end(handled.sse);
        else res.end();
      }
    } catch {
      // The socket went away mid-write; Express's final handler cleans up what is left.
      if (!res.headersSent) next(err);
    }
  };
}
