/// <reference path="../fastify4.d.ts" />

import rateLimit5 from '@fastify/rate-limit';
import type { Four29Options } from '@four29/core';
import fastify5, {
  type FastifyInstance,
  type FastifyPluginCallback,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import rateLimit4 from 'fastify-rate-limit4';
import fastify4 from 'fastify4';
import { onSocket, streamFailures, tick } from './net.js';
import { STREAM_TOKEN, type Target } from './types.js';

/** `@four29/fastify` as the app imports it (passed in: test-kit cannot depend on the adapters it tests). */
export interface FastifyAdapter {
  readonly four29: FastifyPluginCallback<Four29Options>;
}

/** @fastify/rate-limit as registered here (its types can name another copy of Fastify's). */
type Limiter = FastifyPluginCallback<{ global: boolean }>;

/** One request per minute for the whole suite; @fastify/rate-limit always throws its 429. */
const LIMIT = {
  config: { rateLimit: { max: 1, timeWindow: 60_000, keyGenerator: () => 'suite' } },
};

function fastifyTarget(
  name: string,
  adapter: FastifyAdapter,
  create: typeof fastify5,
  rateLimit: Limiter,
): Target {
  return {
    name,
    handlesNonErrors: true,
    async start(spec) {
      // Fastify's own body limit set to 1 kB, like the other targets' JSON parsers.
      const app: FastifyInstance = create({ bodyLimit: 1024 });
      const fallback = spec.fallback;
      if (fallback !== undefined) {
        app.setErrorHandler((error, _request, reply) => {
          fallback(error);
          return reply.code(500).send('fallback');
        });
      }
      await app.register(rateLimit, { global: false });
      if (spec.four29 !== undefined) await app.register(adapter.four29, spec.four29);
      const key = (params: unknown) => String((params as { key: string }).key);
      app.get('/sync/:key', (request) => {
        throw spec.error(key(request.params));
      });
      app.get('/async/:key', async (request) => {
        await tick();
        throw spec.error(key(request.params));
      });
      app.get('/live/:key', async (request) => {
        await spec.live?.(key(request.params));
        return 'unreachable';
      });
      // A token stream written to reply.raw, the case the adapter's README covers.
      const stream =
        (fail: (k: string) => unknown) => async (request: FastifyRequest, reply: FastifyReply) => {
          reply.raw.writeHead(200, {
            'content-type': 'text/event-stream',
            'cache-control': 'no-cache',
          });
          reply.raw.write(STREAM_TOKEN);
          await tick();
          throw await fail(key(request.params));
        };
      for (const [path, fail] of streamFailures(spec)) app.get(path, stream(fail));
      app.get('/limited', LIMIT, async () => 'ok');
      app.get('/limited-throw', LIMIT, async () => 'ok');
      app.post('/json', async () => 'ok');
      await app.listen({ port: 0, host: '127.0.0.1' });
      return onSocket(app.server, () => app.close());
    },
  };
}

/** Fastify 4 and 5 with `app.register(four29)` before the routes, as its README says. */
export function fastifyTargets(adapter: FastifyAdapter): { fastify4: Target; fastify5: Target } {
  return {
    fastify4: fastifyTarget(
      'fastify4',
      adapter,
      fastify4 as unknown as typeof fastify5,
      rateLimit4 as unknown as Limiter,
    ),
    fastify5: fastifyTarget('fastify5', adapter, fastify5, rateLimit5 as unknown as Limiter),
  };
}
