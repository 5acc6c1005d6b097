/// <reference path="../koa2.d.ts" />
import { createServer } from 'node:http';
import type { Four29Options } from '@four29/core';
import { bodyParser } from '@koa/bodyparser';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import Koa3 from 'koa';
import ratelimit from 'koa-ratelimit';
import Koa2 from 'koa2';
import { decoded, onSocket, tick } from './net.js';
import { STREAM_TOKEN, type Target } from './types.js';

/** `@four29/koa` as the app imports it (passed in: test-kit cannot depend on the adapters it tests). */
export interface KoaAdapter {
  upstreamErrorHandler(options?: Four29Options): Middleware;
}

function limiter(throws: boolean): Middleware {
  return ratelimit({
    driver: 'memory',
    db: new Map(),
    duration: 60_000,
    max: 1,
    id: () => 'suite',
    // Without a fixed message the body says "retry in 59 seconds", which moves with the clock.
    errorMessage: 'Slow down.',
    throw: throws,
  });
}

const ROUTE = /^\/(sync|async|live|stream|stream-live)\/([^/]+)$/;

function koaTarget(name: string, adapter: KoaAdapter, Koa: typeof Koa3): Target {
  return {
    name,
    handlesNonErrors: true,
    declinedStreamsNeverEnd: true,
    async start(spec) {
      const app = new Koa();
      // Koa prints every error it handles to stderr; the suites compare responses, not stderr.
      app.silent = true;
      const fallback = spec.fallback;
      if (fallback !== undefined) {
        app.use(async (ctx, next) => {
          try {
            await next();
          } catch (err) {
            fallback(err);
            ctx.status = 500;
            ctx.body = 'fallback';
          }
        });
      }
      if (spec.four29 !== undefined) app.use(adapter.upstreamErrorHandler(spec.four29));
      const limited = limiter(false);
      const limitedThrow = limiter(true);
      const json = bodyParser({ enableTypes: ['json'], jsonLimit: '1kb' });
      // A token stream written to the raw response, the case the adapter's README covers.
      const stream = async (ctx: Koa.Context, fail: () => Promise<unknown> | unknown) => {
        ctx.respond = false;
        ctx.res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
        });
        ctx.res.write(STREAM_TOKEN);
        await tick();
        throw await fail();
      };
      app.use(async (ctx, next) => {
        if (ctx.path === '/limited')
          return limited(ctx, async () => {
            ctx.body = 'ok';
          });
        if (ctx.path === '/limited-throw')
          return limitedThrow(ctx, async () => {
            ctx.body = 'ok';
          });
        if (ctx.path === '/json' && ctx.method === 'POST')
          return json(ctx, async () => {
            ctx.body = 'ok';
          });
        const match = ROUTE.exec(ctx.path);
        if (match === null) return next();
        const [, route, segment = ''] = match;
        const key = decoded(segment);
        switch (route) {
          case 'sync':
            throw spec.error(key);
          case 'async':
            await tick();
            throw spec.error(key);
          case 'live':
            await spec.live?.(key);
            ctx.body = 'unreachable';
            return;
          case 'stream':
            return stream(ctx, () => spec.error(key));
          default:
            return stream(ctx, async () => {
              await spec.live?.(key);
              return new Error('live() resolved');
            });
        }
      });
      return onSocket(createServer(app.callback()).listen(0, '127.0.0.1'));
    },
  };
}

/** Koa 2 and 3 with `@four29/koa` first in the chain, as its README says. */
export function koaTargets(adapter: KoaAdapter): { koa2: Target; koa3: Target } {
  return {
    koa2: koaTarget('koa2', adapter, Koa2),
    koa3: koaTarget('koa3', adapter, Koa3),
  };
}
