import { createUpstreamErrorHandler, type Four29Options, type HandleContext } from '@four29/core';
import type { Context, Env, ErrorHandler, MiddlewareHandler } from 'hono';
import type { SSEStreamingApi } from 'hono/streaming';
import type { StatusCode } from 'hono/utils/http-status';

export type { Four29Options } from '@four29/core';

export interface HonoUpstreamErrorOptions<E extends Env = Env> extends Four29Options {
  /** Answers everything that is not an upstream error. Default: what Hono does without `onError`. */
  readonly fallback?: ErrorHandler<E> | undefined;
}

/** Hono's built-in error handler, reproduced: an `onError` replaces it, it cannot be delegated to. */
function honoDefault<E extends Env>(err: Error, c: Context<E>): Response {
  const response = (err as { getResponse?: unknown }).getResponse;
  if (typeof response === 'function') {
    const res = (response as () => Response).call(err);
    return c.newResponse(res.body, res);
  }
  console.error(err);
  return c.text('Internal Server Error', 500);
}

/** What four29 reads of a request: any Hono `Context`, whatever its Env, path and input types. */
export interface RequestContextLike {
  readonly req: {
    readonly url: string;
    readonly method: string;
    header(name: string): string | undefined;
  };
}

function requestContext(c: RequestContextLike, responseStarted: boolean): HandleContext {
  const url = c.req.url;
  // The raw path and query as sent: c.req.path is already percent-decoded.
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return {
    method: c.req.method,
    path: slash === -1 ? '/' : url.slice(slash),
    requestId: requestIdOf(c),
    responseStarted,
  };
}

/**
 * On `@hono/node-server`, `c.req.header(name)` first builds a `Headers` of the whole request
 * (~11 µs per handled error, measured in `pnpm bench`); the Node request it wraps, which that
 * server passes as `c.env.incoming`, has them parsed already. Elsewhere, Hono's own reader.
 */
function requestIdOf(c: RequestContextLike): string | undefined {
  const env: unknown = (c as { env?: unknown }).env;
  const headers: unknown =
    typeof env === 'object' && env !== null
      ? (env as { incoming?: { headers?: unknown } }).incoming?.headers
      : undefined;
  if (typeof headers === 'object' && headers !== null) {
    const id: unknown = (headers as Record<string, unknown>)['x-request-id'];
    return typeof id === 'string' ? id : undefined;
  }
  return c.req.header('x-request-id');
}

/**
 * Hono `onError` handler: `app.onError(upstreamErrorHandler())`. Upstream errors (rate limits,
 * quota, overload, timeouts, …) are answered with a problem+json response; anything else goes to
 * `fallback`. Web-standard: runs on Node, Bun, Deno and Workers.
 */
export function upstreamErrorHandler<E extends Env = Env>(
  options: HonoUpstreamErrorOptions<E> = {},
): ErrorHandler<E> {
  const handle = createUpstreamErrorHandler(options);
  const fallback = options.fallback ?? honoDefault;
  return (err, c) => {
    const handled = handle(err, requestContext(c, false));
    if (handled === null) return fallback(err, c);
    return c.newResponse(handled.body, handled.status as StatusCode, { ...handled.headers });
  };
}

/**
 * Middleware for what `onError` never sees: Hono hands only `Error` instances to `onError` and
 * rethrows anything else (a plain `{ status, headers, body }` object from a fetch wrapper) out of
 * `app.fetch`. `app.use(upstreamErrorMiddleware())` first: an upstream error thrown as such a value
 * is answered with the problem response; anything else is rethrown as the same value.
 */
export function upstreamErrorMiddleware<E extends Env = Env>(
  options?: Four29Options,
): MiddlewareHandler<E> {
  const handle = createUpstreamErrorHandler(options);
  return async (c, next) => {
    try {
      await next();
    } catch (err) {
      // Errors thrown below were already given to onError by Hono; only other values arrive here.
      const handled = handle(err, requestContext(c, false));
      if (handled === null) throw err;
      c.res = c.newResponse(handled.body, handled.status as StatusCode, { ...handled.headers });
    }
  };
}

/**
 * For `streamSSE(c, run, onError)`: errors thrown after the stream started never reach `onError`.
 * `const onStreamError = upstreamSSEErrorHandler()` once, then per request
 * `streamSSE(c, run, onStreamError(c))`. An upstream error ends the stream with one `event: error`
 * carrying the problem; anything else is logged with `console.error`, as without an onError.
 */
export function upstreamSSEErrorHandler(
  options?: Four29Options,
): (c: RequestContextLike) => (err: Error, stream: SSEStreamingApi) => Promise<void> {
  const handle = createUpstreamErrorHandler(options);
  return (c) => async (err, stream) => {
    const handled = handle(err, { ...requestContext(c, true), downstreamStatus: 200 });
    if (handled !== null) await stream.write(handled.sse);
    else console.error(err);
    // Closing here matters: after onError returns, streamSSE writes `err.message` to the client
    // as an event, which would leak the upstream's raw message (ids, account names). Writes to a
    // closed stream are dropped.
    await stream.close();
  };
}
