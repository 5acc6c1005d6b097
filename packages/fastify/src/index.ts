import { createUpstreamErrorHandler, type Four29Options } from '@four29/core';
import { finishStartedResponse } from '@four29/core/internal';
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';

export type { Four29Options } from '@four29/core';

function four29Plugin(
  fastify: FastifyInstance,
  options: Four29Options,
  done: (err?: Error) => void,
): void {
  const handle = createUpstreamErrorHandler(options);
  fastify.setErrorHandler(function four29ErrorHandler(error: unknown, request, reply) {
    const started = reply.raw.headersSent;
    const handled = handle(error, {
      method: request.method,
      path: request.url,
      requestId: request.headers['x-request-id'],
      responseStarted: started,
      downstreamStatus: reply.raw.statusCode,
    });
    if (handled === null) {
      // A rejection hands the value to the handler that was there before through Fastify's own
      // chain: once, onError hooks not run again, a thrown non-Error still treated as an error.
      // Calling it directly would not: whatever it threw would reach it a second time.
      return Promise.reject(error);
    }
    if (started) {
      finishStartedResponse(reply.raw, handled);
      return;
    }
    // reply.send keeps Fastify's reply lifecycle (onSend hooks, headers plugins set earlier). A
    // Buffer goes out as these exact bytes; a string would get `; charset=utf-8` appended.
    return reply.code(handled.status).headers(handled.headers).send(Buffer.from(handled.body));
  });
  done();
}

/**
 * Fastify 4/5 plugin: `app.register(four29, options)`. Upstream errors (rate limits, quota,
 * overload, timeouts, …) are answered with a problem+json response; anything else goes to the
 * error handler that was in place when four29 was registered (yours, or Fastify's default), so
 * Fastify's own errors (validation, 404s, body limits, hooks) are answered as without four29.
 * Wrapped with fastify-plugin: it sets the error handler of the scope it is registered in.
 */
export const four29 = fp(
  // fastify-plugin's types name the `fastify` its own folder resolves, which need not be the
  // app's major: the export is typed against the app's Fastify instead.
  four29Plugin as never,
  { fastify: '4.x || 5.x', name: '@four29/fastify' },
) as FastifyPluginCallback<Four29Options>;

export default four29;
