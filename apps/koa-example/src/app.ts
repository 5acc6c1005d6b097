import type { AppOptions, Listenable } from '@four29/example-support';
import { BAD_BODY, createUpstream, listening, promptOf } from '@four29/example-support';
import { upstreamErrorHandler } from '@four29/koa';
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import Koa from 'koa';

export interface ExampleApp extends Listenable {
  readonly app: Koa;
}

export function createApp(options: AppOptions): ExampleApp {
  // The OpenAI and Anthropic SDK calls. They throw the SDKs' own errors; no route catches them.
  // `x-mock-scenario` is handed on for the demo only (see demoScenario in apps/example-support).
  const upstream = createUpstream(options);

  const router = new Router();

  router.post('/chat', async (ctx) => {
    const prompt = promptOf(ctx.request.body);
    if (prompt === undefined) {
      ctx.status = 400;
      ctx.body = BAD_BODY;
      return;
    }
    ctx.body = await upstream.chat(prompt, ctx.get('x-mock-scenario'));
  });

  router.post('/claude', async (ctx) => {
    const prompt = promptOf(ctx.request.body);
    if (prompt === undefined) {
      ctx.status = 400;
      ctx.body = BAD_BODY;
      return;
    }
    ctx.body = await upstream.claude(prompt, ctx.get('x-mock-scenario'));
  });

  router.post('/chat/stream', async (ctx) => {
    const prompt = promptOf(ctx.request.body);
    if (prompt === undefined) {
      ctx.status = 400;
      ctx.body = BAD_BODY;
      return;
    }
    // Awaited before the SSE headers go out: an upstream that refuses the request (429, 401, …)
    // still gets a plain problem+json answer with the right status.
    const tokens = await upstream.chatStream(prompt, ctx.get('x-mock-scenario'));
    // Written on the Node response rather than assigned to ctx.body: a stream in ctx.body is piped
    // after the middleware chain returned, where its errors would reach no middleware at all.
    ctx.respond = false;
    const res = ctx.res;
    res.on('close', () => tokens.abort());
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // A failure from here on reaches four29 with the headers sent: it ends the stream with
    // `event: error` carrying the problem document.
    for await (const token of tokens) res.write(`data: ${JSON.stringify({ token })}\n\n`);
    res.end('data: [DONE]\n\n');
  });

  const app = new Koa();
  // First, so it wraps every route: upstream errors become problem+json, the rest is rethrown.
  app.use(upstreamErrorHandler({ logger: options.logger }));
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '100kb' }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  // Our own errors (bugs) go to pino; Koa answers them with a bare status text, no stack.
  app.on('error', (err: unknown) => {
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status !== 'number' || status >= 500)
      options.logger.error({ err }, 'request failed');
  });

  return {
    app,
    listen: (port = 0, host = '127.0.0.1') => listening(app.listen(port, host), host),
  };
}
