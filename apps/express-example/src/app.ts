import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { upstreamErrorHandler } from '@four29/express';
import express, { type ErrorRequestHandler, type Express } from 'express';
import OpenAI from 'openai';
import type { Logger } from 'pino';

export interface AppOptions {
  /** OpenAI-compatible base URL, e.g. `http://127.0.0.1:4290/v1` (the mock) or `https://api.openai.com/v1`. */
  readonly openaiBaseUrl: string;
  /** Anthropic base URL, e.g. `http://127.0.0.1:4290` (the mock) or `https://api.anthropic.com`. */
  readonly anthropicBaseUrl: string;
  /** pino logger: four29 writes its upstream-error records here. */
  readonly logger: Logger;
  readonly openaiApiKey?: string;
  readonly anthropicApiKey?: string;
  /** How long one upstream call may take, ms. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface RunningApp {
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections (streams included). */
  close(): Promise<void>;
}

export interface ExampleApp {
  readonly app: Express;
  listen(port?: number, host?: string): Promise<RunningApp>;
}

export const OPENAI_MODEL = 'gpt-4o-mini';
export const ANTHROPIC_MODEL = 'claude-sonnet-4-5';

function promptOf(body: unknown): string | undefined {
  const prompt = (body as { prompt?: unknown } | null | undefined)?.prompt;
  return typeof prompt === 'string' && prompt.length > 0 && prompt.length <= 10_000
    ? prompt
    : undefined;
}

/**
 * DEMO ONLY: passes the caller's `x-mock-scenario` header on to the mock upstream so `pnpm demo`
 * can make it fail on purpose. Delete this in a real service: clients must not steer the headers
 * your service sends to its upstream.
 */
function demoScenario(value: string | undefined): { headers: Record<string, string> } | undefined {
  return value !== undefined && /^[a-z_]{1,40}$/.test(value)
    ? { headers: { 'x-mock-scenario': value } }
    : undefined;
}

export function createApp(options: AppOptions): ExampleApp {
  const timeout = options.timeoutMs ?? 30_000;
  // maxRetries 0: four29 answers at once with Retry-After, so the caller decides when to retry.
  // The SDKs' default retries would hold the request through backoffs, and they retry OpenAI's
  // insufficient_quota 429 too, which no amount of waiting fixes.
  const openai = new OpenAI({
    apiKey: options.openaiApiKey ?? 'sk-mock-upstream-example-key',
    baseURL: options.openaiBaseUrl,
    maxRetries: 0,
    timeout,
  });
  const anthropic = new Anthropic({
    apiKey: options.anthropicApiKey ?? 'sk-ant-mock-upstream-example-key',
    baseURL: options.anthropicBaseUrl,
    maxRetries: 0,
    timeout,
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));

  app.post('/chat', async (req, res) => {
    const prompt = promptOf(req.body);
    if (prompt === undefined) {
      res.status(400).json({ error: 'body must be {"prompt": "<non-empty string>"}' });
      return;
    }
    const completion = await openai.chat.completions.create(
      { model: OPENAI_MODEL, messages: [{ role: 'user', content: prompt }] },
      demoScenario(req.get('x-mock-scenario')),
    );
    res.json({ model: completion.model, reply: completion.choices[0]?.message.content ?? '' });
  });

  app.post('/claude', async (req, res) => {
    const prompt = promptOf(req.body);
    if (prompt === undefined) {
      res.status(400).json({ error: 'body must be {"prompt": "<non-empty string>"}' });
      return;
    }
    const message = await anthropic.messages.create(
      { model: ANTHROPIC_MODEL, max_tokens: 512, messages: [{ role: 'user', content: prompt }] },
      demoScenario(req.get('x-mock-scenario')),
    );
    const reply = message.content
      .map((block) => (block.type === 'text' ? block.text : ''))
      .join('');
    res.json({ model: message.model, reply });
  });

  app.post('/chat/stream', async (req, res) => {
    const prompt = promptOf(req.body);
    if (prompt === undefined) {
      res.status(400).json({ error: 'body must be {"prompt": "<non-empty string>"}' });
      return;
    }
    // Awaited before the SSE headers go out: an upstream that refuses the request (429, 401, …)
    // still gets a plain problem+json answer with the right status.
    const stream = await openai.chat.completions.create(
      { model: OPENAI_MODEL, messages: [{ role: 'user', content: prompt }], stream: true },
      demoScenario(req.get('x-mock-scenario')),
    );
    res.on('close', () => stream.controller.abort());
    res.setHeader('content-type', 'text/event-stream');
    res.setHeader('cache-control', 'no-cache');
    res.flushHeaders();
    // A failure from here on reaches four29 with the headers sent: it ends the stream with
    // `event: error` carrying the problem document.
    for await (const chunk of stream) {
      const token = chunk.choices[0]?.delta.content;
      if (token) res.write(`data: ${JSON.stringify({ token })}\n\n`);
    }
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
    async listen(port = 0, host = '127.0.0.1') {
      const server = app.listen(port, host);
      await once(server, 'listening');
      const actual = (server.address() as AddressInfo).port;
      return {
        url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
        port: actual,
        close: () => closeServer(server),
      };
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
