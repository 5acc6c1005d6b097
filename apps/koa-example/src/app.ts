import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { upstreamErrorHandler } from '@four29/koa';
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import Koa from 'koa';
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
  readonly app: Koa;
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
function demoScenario(value: string): { headers: Record<string, string> } | undefined {
  return /^[a-z_]{1,40}$/.test(value) ? { headers: { 'x-mock-scenario': value } } : undefined;
}

const BAD_BODY = { error: 'body must be {"prompt": "<non-empty string>"}' };

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

  const router = new Router();

  router.post('/chat', async (ctx) => {
    const prompt = promptOf(ctx.request.body);
    if (prompt === undefined) {
      ctx.status = 400;
      ctx.body = BAD_BODY;
      return;
    }
    const completion = await openai.chat.completions.create(
      { model: OPENAI_MODEL, messages: [{ role: 'user', content: prompt }] },
      demoScenario(ctx.get('x-mock-scenario')),
    );
    ctx.body = { model: completion.model, reply: completion.choices[0]?.message.content ?? '' };
  });

  router.post('/claude', async (ctx) => {
    const prompt = promptOf(ctx.request.body);
    if (prompt === undefined) {
      ctx.status = 400;
      ctx.body = BAD_BODY;
      return;
    }
    const message = await anthropic.messages.create(
      { model: ANTHROPIC_MODEL, max_tokens: 512, messages: [{ role: 'user', content: prompt }] },
      demoScenario(ctx.get('x-mock-scenario')),
    );
    const reply = message.content
      .map((block) => (block.type === 'text' ? block.text : ''))
      .join('');
    ctx.body = { model: message.model, reply };
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
    const stream = await openai.chat.completions.create(
      { model: OPENAI_MODEL, messages: [{ role: 'user', content: prompt }], stream: true },
      demoScenario(ctx.get('x-mock-scenario')),
    );
    // Written on the Node response rather than assigned to ctx.body: a stream in ctx.body is piped
    // after the middleware chain returned, where its errors would reach no middleware at all.
    ctx.respond = false;
    const res = ctx.res;
    res.on('close', () => stream.controller.abort());
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // A failure from here on reaches four29 with the headers sent: it ends the stream with
    // `event: error` carrying the problem document.
    for await (const chunk of stream) {
      const token = chunk.choices[0]?.delta.content;
      if (token) res.write(`data: ${JSON.stringify({ token })}\n\n`);
    }
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
