import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { Four29Module } from '@four29/nest';
import {
  BadRequestException,
  Body,
  Controller,
  type DynamicModule,
  Headers,
  HttpCode,
  Inject,
  type LoggerService,
  Module,
  Post,
  Res,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';
import OpenAI from 'openai';
import type { Logger } from 'pino';

export interface AppOptions {
  /** OpenAI-compatible base URL, e.g. `http://127.0.0.1:4290/v1` (the mock) or `https://api.openai.com/v1`. */
  readonly openaiBaseUrl: string;
  /** Anthropic base URL, e.g. `http://127.0.0.1:4290` (the mock) or `https://api.anthropic.com`. */
  readonly anthropicBaseUrl: string;
  /** pino logger: four29 writes its upstream-error records here, and Nest its own lines. */
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
  /** The root module, for `NestFactory.create` or `Test.createTestingModule`. */
  readonly module: DynamicModule;
  listen(port?: number, host?: string): Promise<RunningApp>;
}

export const OPENAI_MODEL = 'gpt-4o-mini';
export const ANTHROPIC_MODEL = 'claude-sonnet-4-5';

const OPENAI = 'OPENAI_CLIENT';
const ANTHROPIC = 'ANTHROPIC_CLIENT';

function promptOf(body: unknown): string {
  const prompt = (body as { prompt?: unknown } | null | undefined)?.prompt;
  if (typeof prompt === 'string' && prompt.length > 0 && prompt.length <= 10_000) return prompt;
  throw new BadRequestException('body must be {"prompt": "<non-empty string>"}');
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

@Controller()
class ChatController {
  constructor(
    @Inject(OPENAI) private readonly openai: OpenAI,
    @Inject(ANTHROPIC) private readonly anthropic: Anthropic,
  ) {}

  // No try/catch anywhere: an upstream error thrown here reaches four29's global filter.
  @Post('chat')
  @HttpCode(200)
  async chat(@Body() body: unknown, @Headers('x-mock-scenario') scenario?: string) {
    const completion = await this.openai.chat.completions.create(
      { model: OPENAI_MODEL, messages: [{ role: 'user', content: promptOf(body) }] },
      demoScenario(scenario),
    );
    return { model: completion.model, reply: completion.choices[0]?.message.content ?? '' };
  }

  @Post('claude')
  @HttpCode(200)
  async claude(@Body() body: unknown, @Headers('x-mock-scenario') scenario?: string) {
    const message = await this.anthropic.messages.create(
      {
        model: ANTHROPIC_MODEL,
        max_tokens: 512,
        messages: [{ role: 'user', content: promptOf(body) }],
      },
      demoScenario(scenario),
    );
    const reply = message.content
      .map((block) => (block.type === 'text' ? block.text : ''))
      .join('');
    return { model: message.model, reply };
  }

  // Through @Res() rather than @Sse(): once an @Sse() stream has started, Nest answers its errors
  // itself and no exception filter (four29 included) sees them.
  @Post('chat/stream')
  @HttpCode(200)
  async stream(
    @Body() body: unknown,
    @Res() res: Response,
    @Headers('x-mock-scenario') scenario?: string,
  ): Promise<void> {
    // Awaited before the SSE headers go out: an upstream that refuses the request (429, 401, …)
    // still gets a plain problem+json answer with the right status.
    const stream = await this.openai.chat.completions.create(
      { model: OPENAI_MODEL, messages: [{ role: 'user', content: promptOf(body) }], stream: true },
      demoScenario(scenario),
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
  }
}

@Module({})
class AppModule {}

/** Nest's own lines (bootstrap, errors four29 does not answer) as pino JSON too. */
function nestLoggerFor(logger: Logger): LoggerService {
  const write =
    (level: 'info' | 'warn' | 'error' | 'debug' | 'trace') =>
    (message: unknown, ...rest: unknown[]) => {
      const context = rest.at(-1);
      logger[level](typeof context === 'string' ? { context } : {}, String(message));
    };
  return {
    log: write('info'),
    warn: write('warn'),
    error: write('error'),
    debug: write('debug'),
    verbose: write('trace'),
  };
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

  const module: DynamicModule = {
    module: AppModule,
    // Registers four29's global exception filter; everything it does not answer goes on to Nest.
    imports: [Four29Module.forRoot({ logger: options.logger })],
    controllers: [ChatController],
    providers: [
      { provide: OPENAI, useValue: openai },
      { provide: ANTHROPIC, useValue: anthropic },
    ],
  };

  return {
    module,
    async listen(port = 0, host = '127.0.0.1') {
      const app = await NestFactory.create<NestExpressApplication>(module, {
        logger: nestLoggerFor(options.logger),
      });
      app.disable('x-powered-by');
      await app.listen(port, host);
      const server = app.getHttpServer() as Server;
      const actual = (server.address() as AddressInfo).port;
      return {
        url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
        port: actual,
        async close() {
          const closing = app.close();
          server.closeAllConnections();
          await closing;
        },
      };
    },
  };
}
