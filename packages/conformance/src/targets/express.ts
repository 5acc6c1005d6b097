import { createServer } from 'node:http';
import { upstreamErrorHandler } from '@four29/express';
import type { Express, NextFunction, Request, Response } from 'express';
import express5 from 'express';
import express4 from 'express4';
import { STREAM_TOKEN, type Target } from '../harness.js';
import { onSocket, tick } from './net.js';

type Handler = (req: Request, res: Response, next: NextFunction) => unknown;

function expressTarget(name: string, create: () => Express, rejectsToNext: boolean): Target {
  // Express 4 does not catch rejected promises: routes hand errors to next() themselves, as the
  // adapter's README tells Express 4 users to. Express 5 forwards them by itself.
  const route = (fn: (req: Request, res: Response) => Promise<void>): Handler =>
    rejectsToNext ? (req, res, next) => fn(req, res).catch(next) : (req, res) => fn(req, res);
  return {
    name,
    handlesNonErrors: true,
    async start(spec) {
      const app = create();
      const id = (req: Request) => String(req.params.id);
      app.get('/upstream/:id', (req) => {
        throw spec.upstream(id(req));
      });
      app.get('/untouched/:id', (req) => {
        throw spec.untouched(id(req));
      });
      app.get(
        '/live/:id',
        route(async (req) => {
          await spec.live(id(req));
        }),
      );
      app.get(
        '/stream/:id',
        route(async (req, res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write(STREAM_TOKEN);
          await tick();
          throw spec.upstream(id(req));
        }),
      );
      if (spec.four29 !== undefined) app.use(upstreamErrorHandler(spec.four29));
      return onSocket(createServer(app).listen(0, '127.0.0.1'));
    },
  };
}

export const express4Target = expressTarget('express4', () => express4() as Express, true);
export const express5Target = expressTarget('express5', () => express5(), false);
