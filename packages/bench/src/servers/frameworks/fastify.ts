import type { Server } from 'node:http';
import four29 from '@four29/fastify';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { answerUpstreamError, handLogger } from '../hand-written.js';
import {
  FAIL_PATH,
  type FrameworkServer,
  four29Options,
  OK_PATH,
  STATIC_503_BODY,
} from '../shared.js';

type ErrorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown;

const static503: ErrorHandler = (_error, _request, reply) =>
  reply.code(503).header('content-type', 'application/json').send(STATIC_503_BODY);

function handWritten(): ErrorHandler {
  const log = handLogger();
  return (error, _request, reply) => {
    const answer = answerUpstreamError(error, log);
    // What a hand-written handler does with the rest: give it back to Fastify's default answer.
    if (answer === undefined) return reply.send(error);
    // A Buffer, as @four29/fastify sends: a string would get `; charset=utf-8` appended.
    return reply.code(answer.status).headers(answer.headers).send(Buffer.from(answer.body));
  };
}

const server: FrameworkServer = {
  label: 'Fastify',
  happyBaseline: 'bare',
  packages: ['fastify', 'fastify-plugin'],
  async listen(variant, fail) {
    // Fastify's own request logger stays off in every variant: the bench compares error handling.
    const app = Fastify({ logger: false });
    // Error handlers first: a Fastify route keeps the error handler its scope had when declared.
    const options = four29Options(variant);
    if (options !== undefined) await app.register(four29, options);
    else if (variant === 'static') app.setErrorHandler(static503);
    else if (variant === 'hand') app.setErrorHandler(handWritten());
    app.get(OK_PATH, async () => ({ ok: true }));
    app.get(FAIL_PATH, async () => fail());
    await app.listen({ port: 0, host: '127.0.0.1' });
    return app.server as Server;
  },
};
export default server;
