import type { Server } from 'node:http';
import { upstreamErrorHandler } from '@four29/express';
import express, { type ErrorRequestHandler } from 'express';
import { FAIL_PATH, four29Options, OK_PATH, STATIC_503_BODY, type Variant } from './shared.js';

const static503: ErrorRequestHandler = (_err, _req, res, _next) => {
  res.statusCode = 503;
  res.setHeader('content-type', 'application/json');
  res.end(STATIC_503_BODY);
};

export function expressApp(variant: Variant, error: Error): (port: number) => Promise<Server> {
  const app = express();
  app.get(OK_PATH, (_req, res) => {
    res.json({ ok: true });
  });
  app.get(FAIL_PATH, () => {
    throw error;
  });
  const options = four29Options(variant);
  if (options !== undefined) app.use(upstreamErrorHandler(options));
  else if (variant === 'static') app.use(static503);
  return (port) =>
    new Promise((resolve, reject) => {
      const server = app.listen(port, '127.0.0.1', (err?: Error) => {
        if (err) reject(err);
        else resolve(server);
      });
    });
}
