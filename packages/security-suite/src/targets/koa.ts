import { createServer } from 'node:http';
import { upstreamErrorHandler } from '@four29/koa';
import { bodyParser } from '@koa/bodyparser';
import Koa, { type Middleware } from 'koa';
import ratelimit from 'koa-ratelimit';
import { tick } from '../net.js';
import { running, STREAM_TOKEN, type Target } from './types.js';

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

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Koa 3 with `@four29/koa` first in the chain, as its README says. */
export const koaTarget: Target = {
  name: 'koa',
  handlesNonErrors: true,
  declinedStreamsNeverEnd: true,
  async start(spec) {
    const app = new Koa();
    // Koa prints every error it handles to stderr; the suite compares responses, not stderr.
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
    if (spec.four29 !== undefined) app.use(upstreamErrorHandler(spec.four29));
    const limited = limiter(false);
    const limitedThrow = limiter(true);
    const json = bodyParser({ enableTypes: ['json'], jsonLimit: '1kb' });
    const stream = async (ctx: Koa.Context, fail: () => Promise<unknown> | unknown) => {
      ctx.respond = false;
      ctx.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
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
    return running(createServer(app.callback()).listen(0, '127.0.0.1'));
  },
};
