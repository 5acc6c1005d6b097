import type { Server } from 'node:http';
import { upstreamErrorHandler } from '@four29/express';
import express, { type ErrorRequestHandler } from 'express';
import { answerUpstreamError, handLogger } from '../hand-written.js';
import {
  FAIL_PATH,
  type FrameworkServer,
  four29Options,
  OK_PATH,
  STATIC_503_BODY,
  type Variant,
} from '../shared.js';

const static503: ErrorRequestHandler = (_err, _req, res, _next) => {
  res.statusCode = 503;
  res.setHeader('content-type', 'application/json');
  res.end(STATIC_503_BODY);
};

function handWritten(): ErrorRequestHandler {
  const log = handLogger();
  return (err, _req, res, next) => {
    const answer = answerUpstreamError(err, log);
    if (answer === undefined) {
      next(err);
      return;
    }
    res.status(answer.status).set(answer.headers).end(answer.body);
  };
}

function errorHandler(variant: Variant): ErrorRequestHandler | undefined {
  const options = four29Options(variant);
  if (options !== undefined) return upstreamErrorHandler(options);
  if (variant === 'static') return static503;
  if (variant === 'hand') return handWritten();
  return undefined;
}

const server: FrameworkServer = {
  label: 'Express',
  happyBaseline: 'bare',
  packages: ['express'],
  listen(variant, fail) {
    const app = express();
    app.get(OK_PATH, (_req, res) => {
      res.json({ ok: true });
    });
    app.get(FAIL_PATH, fail);
    const handler = errorHandler(variant);
    if (handler !== undefined) app.use(handler);
    return new Promise<Server>((resolve, reject) => {
      const listening = app.listen(0, '127.0.0.1', (err?: Error) => {
        if (err) reject(err);
        else resolve(listening);
      });
    });
  },
};
export default server;
