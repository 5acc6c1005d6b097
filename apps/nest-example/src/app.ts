import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AppOptions, Listenable, Upstream } from '@four29/example-support';
import { BAD_BODY, createUpstream, listening, promptOf } from '@four29/example-support';
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

export interface ExampleApp extends Listenable {
  /** The root module, for `NestFactory.create` or `Test.createTestingModule`. */
  readonly module: DynamicModule;
}

const UPSTREAM = 'UPSTREAM';

function requirePrompt(body: unknown): string {
  const prompt = promptOf(body);
  if (prompt === undefined) throw new BadRequestException(BAD_BODY.error);
  return prompt;
}

// The OpenAI and Anthropic SDK calls are behind `Upstream`. They throw the SDKs' own errors;
// `x-mock-scenario` is handed on for the demo only (see demoScenario in apps/example-support).
@Controller()
class ChatController {
  constructor(@Inject(UPSTREAM) private readonly upstream: Upstream) {}

  // No try/catch anywhere: an upstream error thrown here reaches four29's global filter.
  @Post('chat')
  @HttpCode(200)
  async chat(@Body() body: unknown, @Headers('x-mock-scenario') scenario?: string) {
    return this.upstream.chat(requirePrompt(body), scenario);
  }

  @Post('claude')
  @HttpCode(200)
  async claude(@Body() body: unknown, @Headers('x-mock-scenario') scenario?: string) {
    return this.upstream.claude(requirePrompt(body), scenario);
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
    const tokens = await this.upstream.chatStream(requirePrompt(body), scenario);
    res.on('close', () => tokens.abort());
    res.setHeader('content-type', 'text/event-stream');
    res.setHeader('cache-control', 'no-cache');
    res.flushHeaders();
    // A failure from here on reaches four29 with the headers sent: it ends the stream with
    // `event: error` carrying the problem document.
    for await (const token of tokens) res.write(`data: ${JSON.stringify({ token })}\n\n`);
    res.end('data: [DONE]\n\n');
  }
}

@Module({})
class AppModule {}

/** Nest's own lines (bootstrap, errors four29 does not answer) as pino JSON too. */
function nestLoggerFor(logger: AppOptions['logger']): LoggerService {
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
  const module: DynamicModule = {
    module: AppModule,
    // Registers four29's global exception filter; everything it does not answer goes on to Nest.
    imports: [Four29Module.forRoot({ logger: options.logger })],
    controllers: [ChatController],
    providers: [{ provide: UPSTREAM, useValue: createUpstream(options) }],
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
      return listening(server, host, async () => {
        const closing = app.close();
        server.closeAllConnections();
        await closing;
      });
    },
  };
}
