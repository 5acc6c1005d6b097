import { createUpstreamErrorHandler, type Four29Options } from '@four29/core';
import { finishStartedResponse } from '@four29/core/internal';
import type { Context, Middleware } from 'koa';

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
      if (handled === null) {
        if (hasForeignHeaders(err)) guardKoa2HeaderCopy(ctx);
        throw err;
      }
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

/** `headers` that is an object but not a plain record: a WHATWG `Headers`, a class instance. */
function hasForeignHeaders(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  try {
    const headers: unknown = (err as { headers?: unknown }).headers;
    if (typeof headers !== 'object' || headers === null) return false;
    const proto: unknown = Object.getPrototypeOf(headers);
    return proto !== Object.prototype && proto !== null;
  } catch {
    // A getter that throws: Koa's handler will meet the same throw, which no copy can help.
    return false;
  }
}

type HeaderSetter = (this: Context, ...args: unknown[]) => unknown;

/**
 * Koa 2's `ctx.onerror` copies `err.headers` with `ctx.set(err.headers)`, a `for…in` that also walks
 * the enumerable methods of a `Headers` (`append`, `get`, …) into `setHeader`, which throws inside
 * Koa's own catch: the request is never answered. For this request only, that one-argument call gets
 * the object's own enumerable keys, which is what Koa 3 copies (none, for a `Headers`). The error
 * itself is not touched, so `app.on('error')` and outer middleware see the very same value.
 */
function guardKoa2HeaderCopy(ctx: Context): void {
  const onerror = ctx.onerror;
  const target = ctx as unknown as { set: HeaderSetter };
  ctx.onerror = function four29Onerror(this: Context, error) {
    const own = Object.hasOwn(target, 'set');
    const set = target.set;
    target.set = function (this: Context, ...args: unknown[]) {
      const [field] = args;
      if (args.length !== 1 || typeof field !== 'object' || field === null) {
        return set.apply(this, args);
      }
      let copy: Record<string, unknown> = {};
      try {
        copy = { ...field };
      } catch {
        // A throwing getter: no headers beat no answer.
      }
      return set.call(this, copy);
    };
    try {
      return onerror.call(this, error);
    } finally {
      if (own) target.set = set;
      else delete (target as { set?: HeaderSetter }).set;
    }
  };
}
