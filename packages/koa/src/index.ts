import type { ServerResponse } from 'node:http';
import { createUpstreamErrorHandler, type Four29Options } from '@four29/core';
import type { Middleware } from 'koa';

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
 * Koa 2/3 middleware: `app.use(upstreamErrorHandler())` before everything else. Upstream errors
 * (rate limits, quota, overload, timeouts, …) are answered with a problem+json response; anything
 * else is rethrown untouched, so Koa's own error handling and `app.on('error')` still see it.
 */
export function upstreamErrorHandler(options?: Four29Options): Middleware {
  const handle = createUpstreamErrorHandler(options);
  return async function four29UpstreamErrorHandler(ctx, next) {
    try {
      await next();
    } catch (err) {
      const started = ctx.headerSent;
      const requestId = firstHeader(ctx.req.headers['x-request-id']);
      const handled = handle(err, {
        method: ctx.method,
        // originalUrl survives koa-mount rewriting ctx.url.
        path: ctx.originalUrl,
        ...(requestId !== undefined ? { requestId } : {}),
        responseStarted: started,
        ...(started ? { downstreamStatus: ctx.res.statusCode } : {}),
      });
      if (handled === null) throw err;
      if (!started) {
        // Body first: Koa's body setter picks a content-type and status unless they are set after.
        ctx.body = handled.body;
        ctx.status = handled.status;
        ctx.set(handled.headers);
        return;
      }
      if (ctx.res.writableEnded) return;
      // Headers are out: a token stream gets a final error event, anything else is cut short.
      try {
        if (isEventStream(ctx.res)) ctx.res.end(handled.sse);
        else ctx.res.end();
      } catch {
        // The socket went away mid-write: nothing left to answer.
      }
    }
  };
}
