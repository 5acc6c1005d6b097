import 'reflect-metadata';
import type { ServerResponse } from 'node:http';
import { Four29Module } from '@four29/nest';
import {
  Controller,
  type DynamicModule,
  Get,
  Inject,
  type LoggerService,
  Module,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { tick } from '../net.js';
import { type AppSpec, running, STREAM_TOKEN, type Target } from './types.js';

const SPEC = 'FOUR29_SUITE_SPEC';

type AnyResponse = ServerResponse | { raw: ServerResponse };

@Controller()
class SuiteController {
  constructor(@Inject(SPEC) private readonly spec: AppSpec) {}

  @Get('sync/:key')
  sync(@Param('key') key: string): never {
    throw this.spec.error(key);
  }

  @Get('async/:key')
  async async(@Param('key') key: string): Promise<never> {
    await tick();
    throw this.spec.error(key);
  }

  @Get('live/:key')
  async live(@Param('key') key: string): Promise<string> {
    await this.spec.live?.(key);
    return 'unreachable';
  }

  /** A token stream written straight to the response, as LLM proxies on Nest do. */
  @Get('stream/:key')
  async stream(@Res() res: AnyResponse, @Param('key') key: string): Promise<never> {
    await this.startStream(res);
    throw this.spec.error(key);
  }

  @Get('stream-live/:key')
  async streamLive(@Res() res: AnyResponse, @Param('key') key: string): Promise<never> {
    await this.startStream(res);
    await this.spec.live?.(key);
    throw new Error('live() resolved');
  }

  @Get('limited')
  @UseGuards(ThrottlerGuard)
  limited(): string {
    return 'ok';
  }

  // @nestjs/throttler always throws its ThrottlerException: the same route as /limited.
  @Get('limited-throw')
  @UseGuards(ThrottlerGuard)
  limitedThrow(): string {
    return 'ok';
  }

  @Post('json')
  json(): string {
    return 'ok';
  }

  private async startStream(res: AnyResponse): Promise<void> {
    const raw = 'raw' in res ? res.raw : res;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    raw.write(STREAM_TOKEN);
    await tick();
  }
}

function suiteModule(spec: AppSpec) {
  const imports: DynamicModule[] = [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 1 }])];
  if (spec.four29 !== undefined) imports.push(Four29Module.forRoot(spec.four29));
  @Module({
    imports,
    controllers: [SuiteController],
    providers: [{ provide: SPEC, useValue: spec }],
  })
  class SuiteModule {}
  return SuiteModule;
}

/** Nest's own logger output, one JSON line per call, for tests that read it; silent otherwise. */
function nestLogger(spec: AppSpec): LoggerService | false {
  const sink = spec.log;
  if (sink === undefined) return false;
  const line =
    (level: string) =>
    (...args: unknown[]) =>
      sink(JSON.stringify({ level, args }));
  return {
    log: line('log'),
    error: line('error'),
    warn: line('warn'),
    debug: line('debug'),
    verbose: line('verbose'),
    fatal: line('fatal'),
  };
}

function nestTarget(platform: 'express' | 'fastify'): Target {
  return {
    name: `nest-${platform}`,
    handlesNonErrors: true,
    declinedStreamsNeverEnd: platform === 'fastify',
    async start(spec) {
      const app = await NestFactory.create(
        suiteModule(spec),
        platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
        { logger: nestLogger(spec), abortOnError: false },
      );
      await app.listen(0, '127.0.0.1');
      // Both platforms run on a Node http.Server: Express's own, or the one Fastify creates.
      return running(app.getHttpServer(), () => app.close());
    },
  };
}

export const nestExpressTarget = nestTarget('express');
export const nestFastifyTarget = nestTarget('fastify');
