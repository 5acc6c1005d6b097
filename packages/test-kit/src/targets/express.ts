/// <reference path="../express4.d.ts" />
import { createServer } from 'node:http';
import type { Four29Options } from '@four29/core';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import express5 from 'express';
import { rateLimit } from 'express-rate-limit';
import express4 from 'express4';
import createError from 'http-errors';
import { onSocket, streamFailures, tick } from './net.js';
import { STREAM_TOKEN, type Target } from './types.js';

/** `@four29/express` as the app imports it (passed in: test-kit cannot depend on the adapters it tests). */
export interface ExpressAdapter {
  upstreamErrorHandler(options?: Four29Options): ErrorRequestHandler;
}

function limiter(forward: boolean): RequestHandler {
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

function expressTarget(
  name: string,
  adapter: ExpressAdapter,
  lib: typeof express5,
  rejectsToNext: boolean,
): Target {
  // Express 4 does not catch rejected promises: routes hand errors to next() themselves, as the
  // adapter's README tells Express 4 users to. Express 5 forwards them by itself.
  const route =
    (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
    (req, res, next) => {
      const done = fn(req, res);
      if (rejectsToNext) done.catch(next);
      return done;
    };
  return {
    name,
    handlesNonErrors: true,
    async start(spec) {
      const app = lib();
      const key = (req: Request) => String(req.params.key);
      app.get('/sync/:key', (req) => {
        throw spec.error(key(req));
      });
      app.get(
        '/async/:key',
        route(async (req) => {
          await tick();
          throw spec.error(key(req));
        }),
      );
      app.get(
        '/live/:key',
        route(async (req, res) => {
          await spec.live?.(key(req));
          res.end('unreachable');
        }),
      );
      const stream = (fail: (k: string) => unknown) =>
        route(async (req, res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write(STREAM_TOKEN);
          await tick();
          throw await fail(key(req));
        });
      for (const [path, fail] of streamFailures(spec)) app.get(path, stream(fail));
      app.get('/limited', limiter(false), (_req, res) => {
        res.send('ok');
      });
      app.get('/limited-throw', limiter(true), (_req, res) => {
        res.send('ok');
      });
      app.post('/json', lib.json({ limit: '1kb' }), (_req, res) => {
        res.send('ok');
      });
      if (spec.four29 !== undefined) app.use(adapter.upstreamErrorHandler(spec.four29));
      const fallback = spec.fallback;
      if (fallback !== undefined) {
        app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
          fallback(err);
          res.status(500).end('fallback');
        });
      }
      return onSocket(createServer(app).listen(0, '127.0.0.1'));
    },
  };
}

/** Express 4 and 5 with `@four29/express` after the routes, as its README says. */
export function expressTargets(adapter: ExpressAdapter): { express4: Target; express5: Target } {
  return {
    express4: expressTarget('express4', adapter, express4, true),
    express5: expressTarget('express5', adapter, express5, false),
  };
}
