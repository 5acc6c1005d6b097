import type { Server } from 'node:http';
import { upstreamErrorHandler } from '@four29/hono';
import { serve } from '@hono/node-server';
import { type ErrorHandler, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { answerUpstreamError, handLogger } from '../hand-written.js';
import {
  errorHandlerFor,
  FAIL_PATH,
  type FrameworkServer,
  OK_PATH,
  STATIC_503_BODY,
} from '../shared.js';

const static503: ErrorHandler = (_err, c) =>
  c.newResponse(STATIC_503_BODY, 503, { 'content-type': 'application/json' });

function handWritten(): ErrorHandler {
  const log = handLogger();
  return (err, c) => {
    const answer = answerUpstreamError(err, log);
    // What Hono answers by default for anything that is not an HTTPException.
    if (answer === undefined) return c.text('Internal Server Error', 500);
    return c.body(answer.body, answer.status as ContentfulStatusCode, answer.headers);
  };
}

const server: FrameworkServer = {
  label: 'Hono (node-server)',
  happyBaseline: 'bare',
  packages: ['hono', '@hono/node-server'],
  listen(variant, fail) {
    const app = new Hono();
    app.get(OK_PATH, (c) => c.json({ ok: true }));
    app.get(FAIL_PATH, fail);
    const handler = errorHandlerFor<ErrorHandler>(variant, {
      four29: upstreamErrorHandler,
      static: static503,
      hand: handWritten,
    });
    if (handler !== undefined) app.onError(handler);
    return new Promise<Server>((resolve, reject) => {
      const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(listening as Server),
      );
      listening.once('error', reject);
    });
  },
};
export default server;
