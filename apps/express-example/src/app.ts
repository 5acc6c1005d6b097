import type { AppOptions, Listenable } from '@four29/example-support';
import { BAD_BODY, createUpstream, listening, promptOf } from '@four29/example-support';
import { upstreamErrorHandler } from '@four29/express';
import express, { type ErrorRequestHandler, type Express } from 'express';

export interface ExampleApp extends Listenable {
  readonly app: Express;
}

export function createApp(options: AppOptions): ExampleApp {
  // The OpenAI and Anthropic SDK calls. They throw the SDKs' own errors; no route catches them.
  // `x-mock-scenario` is handed on for the demo only (see demoScenario in apps/example-support).
  const upstream = createUpstream(options);

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));

  app.post('/chat', async (req, res) => {
    const prompt = promptOf(req.body);
    if (prompt === undefined) {
      res.status(400).json(BAD_BODY);
      return;
    }
    res.json(await upstream.chat(prompt, req.get('x-mock-scenario')));
  });

  app.post('/claude', async (req, res) => {
    const prompt = promptOf(req.body);
    if (prompt === undefined) {
      res.status(400).json(BAD_BODY);
      return;
    }
    res.json(await upstream.claude(prompt, req.get('x-mock-scenario')));
  });

  app.post('/chat/stream', async (req, res) => {
    const prompt = promptOf(req.body);
    if (prompt === undefined) {
      res.status(400).json(BAD_BODY);
      return;
    }
    // Awaited before the SSE headers go out: an upstream that refuses the request (429, 401, …)
    // still gets a plain problem+json answer with the right status.
    const tokens = await upstream.chatStream(prompt, req.get('x-mock-scenario'));
    res.on('close', () => tokens.abort());
    res.setHeader('content-type', 'text/event-stream');
    res.setHeader('cache-control', 'no-cache');
    res.flushHeaders();
    // A failure from here on reaches four29 with the headers sent: it ends the stream with
    // `event: error` carrying the problem document.
    for await (const token of tokens) res.write(`data: ${JSON.stringify({ token })}\n\n`);
    res.end('data: [DONE]\n\n');
  });

  // After the routes: upstream errors become problem+json, everything else goes on.
  app.use(upstreamErrorHandler({ logger: options.logger }));

  // Our own errors (bad JSON, bugs): a short JSON answer instead of Express's HTML with a stack.
  const fallback: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    const status = (err as { status?: unknown } | null)?.status;
    const clientError = typeof status === 'number' && status >= 400 && status < 500;
    if (!clientError) options.logger.error({ err }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    res
      .status(clientError ? status : 500)
      .json({ error: clientError ? 'bad request' : 'internal error' });
  };
  app.use(fallback);

  return {
    app,
    listen: (port = 0, host = '127.0.0.1') => listening(app.listen(port, host), host),
  };
}
