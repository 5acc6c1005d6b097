import { createServer } from 'node:http';
import { upstreamErrorHandler } from '@four29/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import createError from 'http-errors';
import { tick } from '../net.js';
import { running, STREAM_TOKEN, type Target } from './types.js';

function limiter(forward: boolean) {
  return rateLimit({
    windowMs: 60_000,
    limit: 1,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: () => 'suite',
    // The documented way to hand the rejection to the app's error handling instead of answering.
    ...(forward
      ? {
          handler: (_req: Request, _res: Response, next: NextFunction) =>
            next(createError(429, 'Too many requests, please try again later.')),
        }
      : {}),
  });
}

/** Express 5 with `@four29/express` after the routes, as its README says. */
export const expressTarget: Target = {
  name: 'express',
  handlesNonErrors: true,
  async start(spec) {
    const app = express();
    const key = (req: Request) => String(req.params.key);
    app.get('/sync/:key', (req) => {
      throw spec.error(key(req));
    });
    app.get('/async/:key', async (req) => {
      await tick();
      throw spec.error(key(req));
    });
    app.get('/live/:key', async (req, res) => {
      await spec.live?.(key(req));
      res.end('unreachable');
    });
    const stream = (fail: (k: string) => unknown) => async (req: Request, res: Response) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(STREAM_TOKEN);
      await tick();
      throw await fail(key(req));
    };
    app.get(
      '/stream/:key',
      stream((k) => spec.error(k)),
    );
    app.get(
      '/stream-live/:key',
      stream(async (k) => {
        await spec.live?.(k);
        return new Error('live() resolved');
      }),
    );
    app.get('/limited', limiter(false), (_req, res) => {
      res.send('ok');
    });
    app.get('/limited-throw', limiter(true), (_req, res) => {
      res.send('ok');
    });
    app.post('/json', express.json({ limit: '1kb' }), (_req, res) => {
      res.send('ok');
    });
    if (spec.four29 !== undefined) app.use(upstreamErrorHandler(spec.four29));
    const fallback = spec.fallback;
    if (fallback !== undefined) {
      app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
        fallback(err);
        res.status(500).end('fallback');
      });
    }
    return running(createServer(app).listen(0, '127.0.0.1'));
  },
};
