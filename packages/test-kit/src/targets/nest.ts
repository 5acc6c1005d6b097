import type { Server, ServerResponse } from 'node:http';
import type { Four29Options } from '@four29/core';
import { onSocket, tick } from './net.js';
import type { AppSpec, NativeError, Target } from './types.js';
import { STREAM_TOKEN } from './types.js';

interface NestApp {
  listen(port: number, hostname: string): Promise<unknown>;
  getHttpServer(): Server;
  close(): Promise<void>;
}

/** What the app hands Nest as its logger: one JSON line per call to `spec.log`. */
interface NestLogger {
  log(...args: unknown[]): void;
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  verbose(...args: unknown[]): void;
  fatal(...args: unknown[]): void;
}

/**
 * The parts of one Nest major this target uses, passed in by the package that installs that major
 * (`packages/conformance-nest*`, the security suite): each resolves `@nestjs/*` and `@four29/nest`
 * against its own Nest, so one target definition serves every version. Method syntax keeps the
 * real, overloaded Nest signatures assignable.
 */
export interface NestKit {
  /** `nest`, `nest10`, `nest12`, …: prefixes the target names. */
  readonly label: string;
  readonly common: {
    Controller(prefix?: string): ClassDecorator;
    Get(path?: string): MethodDecorator;
    Post(path?: string): MethodDecorator;
    Param(property: string): ParameterDecorator;
    Res(): ParameterDecorator;
    UseGuards(guard: unknown): MethodDecorator;
    Module(metadata: { imports?: unknown[]; controllers?: unknown[] }): ClassDecorator;
    readonly HttpException: new (response: string, status: number) => Error;
    readonly NotFoundException: new () => Error;
  };
  readonly NestFactory: {
    create(
      module: unknown,
      adapter: unknown,
      options: { logger: NestLogger | false; abortOnError: false },
    ): Promise<NestApp>;
  };
  readonly Four29Module: { forRoot(options: Four29Options): unknown };
  /** `@nestjs/throttler`: what an app's own rate limiting uses in Nest. */
  readonly ThrottlerModule: { forRoot(options: { ttl: number; limit: number }[]): unknown };
  readonly ThrottlerGuard: unknown;
  readonly ThrottlerException: new () => Error;
  /** `new ExpressAdapter()` / `new FastifyAdapter()` from the platform packages of this major. */
  readonly platforms: { readonly express: () => unknown; readonly fastify: () => unknown };
}

type AnyResponse = ServerResponse | { raw: ServerResponse };

function appModule(kit: NestKit, spec: AppSpec): unknown {
  const { Controller, Get, Post, Param, Res, UseGuards, Module } = kit.common;

  async function startStream(res: AnyResponse): Promise<void> {
    // Fastify's reply wraps the Node response.
    const raw = 'raw' in res ? res.raw : res;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    raw.write(STREAM_TOKEN);
    await tick();
  }

  @Controller()
  class SuiteController {
    @Get('sync/:key')
    sync(@Param('key') key: string): never {
      throw spec.error(key);
    }

    @Get('async/:key')
    async async(@Param('key') key: string): Promise<never> {
      await tick();
      throw spec.error(key);
    }

    @Get('live/:key')
    async live(@Param('key') key: string): Promise<string> {
      await spec.live?.(key);
      return 'unreachable';
    }

    /**
     * Token streams written through `@Res()`: the same bytes as every other framework. (`@Sse()`
     * streams get four29's event from its interceptor, but Nest adds an `id:` line to each event.)
     */
    @Get('stream/:key')
    async stream(@Res() res: AnyResponse, @Param('key') key: string): Promise<never> {
      await startStream(res);
      throw spec.error(key);
    }

    @Get('stream-live/:key')
    async streamLive(@Res() res: AnyResponse, @Param('key') key: string): Promise<never> {
      await startStream(res);
      await spec.live?.(key);
      throw new Error('live() resolved');
    }

    @Get('limited')
    @UseGuards(kit.ThrottlerGuard)
    limited(): string {
      return 'ok';
    }

    // @nestjs/throttler always throws its ThrottlerException: the same route as /limited.
    @Get('limited-throw')
    @UseGuards(kit.ThrottlerGuard)
    limitedThrow(): string {
      return 'ok';
    }

    @Post('json')
    json(): string {
      return 'ok';
    }
  }

  const imports = [kit.ThrottlerModule.forRoot([{ ttl: 60_000, limit: 1 }])];
  if (spec.four29 !== undefined) imports.push(kit.Four29Module.forRoot(spec.four29));
  @Module({ imports, controllers: [SuiteController] })
  class SuiteModule {}
  return SuiteModule;
}

/** Nest's own logger output, one JSON line per call, for tests that read it; silent otherwise. */
function nestLogger(spec: AppSpec): NestLogger | false {
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

function nestTarget(kit: NestKit, platform: 'express' | 'fastify'): Target {
  return {
    name: `${kit.label}-${platform}`,
    // A catch-all exception filter sees every thrown value.
    handlesNonErrors: true,
    declinedStreamsNeverEnd: platform === 'fastify',
    nativeErrors: (): NativeError[] => [
      { id: 'nest-throttler-exception', error: new kit.ThrottlerException() },
      { id: 'nest-http-exception-429', error: new kit.common.HttpException('Slow down', 429) },
      { id: 'nest-not-found-exception', error: new kit.common.NotFoundException() },
    ],
    async start(spec) {
      const app = await kit.NestFactory.create(appModule(kit, spec), kit.platforms[platform](), {
        logger: nestLogger(spec),
        abortOnError: false,
      });
      await app.listen(0, '127.0.0.1');
      // Both platforms run on a Node http.Server: Express's own, or the one Fastify creates.
      return onSocket(app.getHttpServer(), () => app.close());
    },
  };
}

/** The Nest targets of one major: `@nestjs/platform-express` and `@nestjs/platform-fastify`. */
export function nestTargets(kit: NestKit): { express: Target; fastify: Target } {
  return { express: nestTarget(kit, 'express'), fastify: nestTarget(kit, 'fastify') };
}
