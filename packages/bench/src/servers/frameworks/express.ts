import type { Server } from 'node:http';
import { upstreamErrorHandler } from '@four29/express';
import express, { type ErrorRequestHandler } from 'express';
import { answerUpstreamError, handLogger } from '../hand-written.js';
import {
  errorHandlerFor,
  FAIL_PATH,
  type FrameworkServer,
  OK_PATH,
  STATIC_503_BODY,
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
    const handler = errorHandlerFor<ErrorRequestHandler>(variant, {
      four29: upstreamErrorHandler,
      static: static503,
      hand: handWritten,
    });
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
