import type { AppOptions, Listenable } from '@four29/example-support';
import { BAD_BODY, createUpstream, listening, promptOf } from '@four29/example-support';
import { four29 } from '@four29/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

export interface ExampleApp extends Listenable {
  readonly app: FastifyInstance;
}

function scenario(request: FastifyRequest): string | undefined {
  const value = request.headers['x-mock-scenario'];
  return typeof value === 'string' ? value : undefined;
}

export function createApp(options: AppOptions): ExampleApp {
  // The OpenAI and Anthropic SDK calls. They throw the SDKs' own errors; no route catches them.
  // `x-mock-scenario` is handed on for the demo only (see demoScenario in apps/example-support).
  const upstream = createUpstream(options);

  // four29's pino logs the upstream errors; Fastify's own request logging stays off here.
  const app = Fastify({ bodyLimit: 100 * 1024 });

  // Our own errors (bad JSON, bugs): a short JSON answer. Set on the root, so four29, registered
  // with the routes in a child scope below, hands it everything that is not an upstream error
  // (two error handlers in one scope would print Fastify's FSTWRN004).
  app.setErrorHandler((err, _request, reply) => {
    const status = (err as { statusCode?: unknown } | null)?.statusCode;
    const clientError = typeof status === 'number' && status >= 400 && status < 500;
    if (!clientError) options.logger.error({ err }, 'request failed');
    if (reply.raw.headersSent) {
      reply.raw.end();
      return;
    }
    return reply
      .code(clientError ? status : 500)
      .send({ error: clientError ? 'bad request' : 'internal error' });
  });

  app.register(async (api) => {
    // Before the routes: upstream errors become problem+json, everything else goes on.
    await api.register(four29, { logger: options.logger });

    api.post('/chat', async (request, reply) => {
      const prompt = promptOf(request.body);
      if (prompt === undefined) return reply.code(400).send(BAD_BODY);
      return upstream.chat(prompt, scenario(request));
    });

    api.post('/claude', async (request, reply) => {
      const prompt = promptOf(request.body);
      if (prompt === undefined) return reply.code(400).send(BAD_BODY);
      return upstream.claude(prompt, scenario(request));
    });

    api.post('/chat/stream', async (request: FastifyRequest, reply: FastifyReply) => {
      const prompt = promptOf(request.body);
      if (prompt === undefined) return reply.code(400).send(BAD_BODY);
      // Awaited before the SSE headers go out: an upstream that refuses the request (429, 401, …)
      // still gets a plain problem+json answer with the right status.
      const tokens = await upstream.chatStream(prompt, scenario(request));
      const res = reply.raw;
      res.on('close', () => tokens.abort());
      // Written to reply.raw without reply.hijack(): after a hijack Fastify calls no error
      // handler, so four29 could not end the stream with `event: error` carrying the problem.
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for await (const token of tokens) res.write(`data: ${JSON.stringify({ token })}\n\n`);
      res.end('data: [DONE]\n\n');
      return reply;
    });
  });

  return {
    app,
    listen: async (port = 0, host = '127.0.0.1') => {
      await app.listen({ port, host });
      // Open streams would hold app.close() until they end.
      return listening(app.server, host, async () => {
        const closed = app.close();
        app.server.closeAllConnections();
        await closed;
      });
    },
  };
}
