import { createServer } from 'node:http';
import { upstreamErrorHandler } from '@four29/koa';
import type Koa from 'koa';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { STREAM_TOKEN, type Target } from '../harness.js';
import { onSocket, tick } from './net.js';

const ROUTE = /^\/(upstream|untouched|live|stream)\/([^/]+)$/;

function koaTarget(name: string, Koa: typeof Koa3): Target {
  return {
    name,
    handlesNonErrors: true,
    async start(spec) {
      const app: Koa = new Koa();
      // Koa logs unexposed errors to stderr; silence changes no response, only the test output.
      app.silent = true;
      if (spec.four29 !== undefined) app.use(upstreamErrorHandler(spec.four29));
      app.use(async (ctx) => {
        const match = ROUTE.exec(ctx.path);
        if (match === null) return;
        const id = decodeURIComponent(match[2] ?? '');
        switch (match[1]) {
          case 'upstream':
            throw spec.upstream(id);
          case 'untouched':
            throw spec.untouched(id);
          case 'live':
            await spec.live(id);
            return;
          default:
            // A token stream written to the raw response, the case the adapter's README covers.
            ctx.respond = false;
            ctx.res.writeHead(200, {
              'content-type': 'text/event-stream',
              'cache-control': 'no-cache',
            });
            ctx.res.write(STREAM_TOKEN);
            await tick();
            throw spec.upstream(id);
        }
      });
      return onSocket(createServer(app.callback()).listen(0, '127.0.0.1'));
    },
  };
}

export const koa2Target = koaTarget('koa2', Koa2);
export const koa3Target = koaTarget('koa3', Koa3);
