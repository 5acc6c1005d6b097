import type { Server } from 'node:http';
import type { AppOptions, Listenable } from '@four29/example-support';
import { BAD_BODY, createUpstream, listening, promptOf } from '@four29/example-support';
import { upstreamErrorHandler, upstreamSSEErrorHandler } from '@four29/hono';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';

export interface ExampleApp extends Listenable {
  readonly app: Hono;
}

export function createApp(options: AppOptions): ExampleApp {
  // The OpenAI and Anthropic SDK calls. They throw the SDKs' own errors; no route catches them.
  // `x-mock-scenario` is handed on for the demo only (see demoScenario in apps/example-support).
  const upstream = createUpstream(options);
  const onStreamError = upstreamSSEErrorHandler({ logger: options.logger });

  const app = new Hono();

  app.post('/chat', async (c) => {
    const prompt = promptOf(await c.req.json().catch(() => undefined));
    if (prompt === undefined) return c.json(BAD_BODY, 400);
    return c.json(await upstream.chat(prompt, c.req.header('x-mock-scenario')));
  });

  app.post('/claude', async (c) => {
    const prompt = promptOf(await c.req.json().catch(() => undefined));
    if (prompt === undefined) return c.json(BAD_BODY, 400);
    return c.json(await upstream.claude(prompt, c.req.header('x-mock-scenario')));
  });

  app.post('/chat/stream', async (c) => {
    const prompt = promptOf(await c.req.json().catch(() => undefined));
    if (prompt === undefined) return c.json(BAD_BODY, 400);
    // Awaited before streamSSE sends its headers: an upstream that refuses the request (429,
    // 401, …) reaches onError and gets a plain problem+json answer with the right status.
    const tokens = await upstream.chatStream(prompt, c.req.header('x-mock-scenario'));
    return streamSSE(
      c,
      async (stream) => {
        stream.onAbort(() => tokens.abort());
        for await (const token of tokens) {
          await stream.writeSSE({ data: JSON.stringify({ token }) });
        }
        await stream.writeSSE({ data: '[DONE]' });
      },
      // Errors once streaming never reach onError: this ends the stream with `event: error`
      // carrying the problem document (instead of streamSSE's raw upstream message).
      onStreamError(c),
    );
  });

  app.onError(
    upstreamErrorHandler({
      logger: options.logger,
      // Our own errors: HTTPExceptions answer as usual, bugs are logged and get a bare 500.
      fallback: (err, c) => {
        if (err instanceof HTTPException) return err.getResponse();
        options.logger.error({ err }, 'request failed');
        return c.json({ error: 'internal error' }, 500);
      },
    }),
  );

  return {
    app,
    listen(port = 0, host = '127.0.0.1') {
      const server = createAdaptorServer({ fetch: app.fetch }) as Server;
      return listening(server.listen(port, host), host);
    },
  };
}
