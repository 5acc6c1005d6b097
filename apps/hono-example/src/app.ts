import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { upstreamErrorHandler, upstreamSSEErrorHandler } from '@four29/hono';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
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
  readonly app: Hono;
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
  const onStreamError = upstreamSSEErrorHandler({ logger: options.logger });

  const app = new Hono();

  app.post('/chat', async (c) => {
    const prompt = promptOf(await c.req.json().catch(() => undefined));
    if (prompt === undefined) return c.json(BAD_BODY, 400);
    const completion = await openai.chat.completions.create(
      { model: OPENAI_MODEL, messages: [{ role: 'user', content: prompt }] },
      demoScenario(c.req.header('x-mock-scenario')),
    );
    return c.json({ model: completion.model, reply: completion.choices[0]?.message.content ?? '' });
  });

  app.post('/claude', async (c) => {
    const prompt = promptOf(await c.req.json().catch(() => undefined));
    if (prompt === undefined) return c.json(BAD_BODY, 400);
    const message = await anthropic.messages.create(
      { model: ANTHROPIC_MODEL, max_tokens: 512, messages: [{ role: 'user', content: prompt }] },
      demoScenario(c.req.header('x-mock-scenario')),
    );
    const reply = message.content
      .map((block) => (block.type === 'text' ? block.text : ''))
      .join('');
    return c.json({ model: message.model, reply });
  });

  app.post('/chat/stream', async (c) => {
    const prompt = promptOf(await c.req.json().catch(() => undefined));
    if (prompt === undefined) return c.json(BAD_BODY, 400);
    // Awaited before streamSSE sends its headers: an upstream that refuses the request (429,
    // 401, …) reaches onError and gets a plain problem+json answer with the right status.
    const tokens = await openai.chat.completions.create(
      { model: OPENAI_MODEL, messages: [{ role: 'user', content: prompt }], stream: true },
      demoScenario(c.req.header('x-mock-scenario')),
    );
    return streamSSE(
      c,
      async (stream) => {
        stream.onAbort(() => tokens.controller.abort());
        for await (const chunk of tokens) {
          const token = chunk.choices[0]?.delta.content;
          if (token) await stream.writeSSE({ data: JSON.stringify({ token }) });
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
    async listen(port = 0, host = '127.0.0.1') {
      const server = createAdaptorServer({ fetch: app.fetch }) as Server;
      server.listen(port, host);
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
