import type { Server, ServerResponse } from 'node:http';
import type { Four29Options } from '@four29/core';
import type { UntouchedCase } from '../cases.js';
import { type AppSpec, STREAM_TOKEN, type Target } from '../harness.js';
import { onSocket, tick } from './net.js';

interface NestApp {
  listen(port: number, hostname: string): Promise<unknown>;
  getHttpServer(): Server;
  close(): Promise<void>;
}

/**
 * The parts of one Nest major this target uses, passed in by the package that installs that major
 * (`packages/conformance-nest*`): each resolves `@nestjs/*` and `@four29/nest` against its own
 * Nest, so one target definition serves every version. Method syntax keeps the real, overloaded
 * Nest signatures assignable.
 */
export interface NestKit {
  /** `nest10`, `nest12`, …: prefixes the target names. */
  readonly label: string;
  readonly common: {
    Controller(prefix?: string): ClassDecorator;
    Get(path?: string): MethodDecorator;
    Param(property: string): ParameterDecorator;
    Res(): ParameterDecorator;
    Module(metadata: { imports?: unknown[]; controllers?: unknown[] }): ClassDecorator;
    readonly HttpException: new (response: string, status: number) => Error;
    readonly NotFoundException: new () => Error;
  };
  readonly NestFactory: {
    create(module: unknown, adapter: unknown, options: { logger: false }): Promise<NestApp>;
  };
  readonly Four29Module: { forRoot(options: Four29Options): unknown };
  /** `@nestjs/throttler`'s exception: what an app's own rate limiting throws in Nest. */
  readonly ThrottlerException: new () => Error;
  /** `new ExpressAdapter()` / `new FastifyAdapter()` from the platform packages of this major. */
  readonly platforms: { readonly express: () => unknown; readonly fastify: () => unknown };
}

type AnyResponse = ServerResponse | { raw: ServerResponse };

function appModule(kit: NestKit, spec: AppSpec): unknown {
  const { Controller, Get, Param, Res, Module } = kit.common;

  @Controller()
  class ConformanceController {
    @Get('upstream/:id')
    upstream(@Param('id') id: string): never {
      throw spec.upstream(id);
    }

    @Get('untouched/:id')
    untouched(@Param('id') id: string): never {
      throw spec.untouched(id);
    }

    @Get('live/:id')
    async live(@Param('id') id: string): Promise<void> {
      await spec.live(id);
    }

    /**
     * `@Sse()` cannot end a started stream with four29's event: Nest handles errors after the SSE
     * headers itself and never calls filters. The adapter documents writing token streams through
     * `@Res()` instead, which is what this route does (Fastify's reply wraps the Node response).
     */
    @Get('stream/:id')
    async stream(@Param('id') id: string, @Res() res: AnyResponse): Promise<never> {
      const raw = 'raw' in res ? res.raw : res;
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      raw.write(STREAM_TOKEN);
      await tick();
      throw spec.upstream(id);
    }
  }

  @Module({
    imports: spec.four29 !== undefined ? [kit.Four29Module.forRoot(spec.four29)] : [],
    controllers: [ConformanceController],
  })
  class ConformanceModule {}
  return ConformanceModule;
}

function nestTarget(kit: NestKit, platform: 'express' | 'fastify'): Target {
  return {
    name: `${kit.label}-${platform}`,
    // A catch-all exception filter sees every thrown value.
    handlesNonErrors: true,
    nativeUntouched: (): UntouchedCase[] => [
      { id: 'nest-throttler-exception', error: new kit.ThrottlerException() },
      { id: 'nest-http-exception-429', error: new kit.common.HttpException('Slow down', 429) },
      { id: 'nest-not-found-exception', error: new kit.common.NotFoundException() },
    ],
    async start(spec) {
      // No logger: Nest's own error logging is the same with and without four29, and noise here.
      const app = await kit.NestFactory.create(appModule(kit, spec), kit.platforms[platform](), {
        logger: false,
      });
      await app.listen(0, '127.0.0.1');
      const running = await onSocket(app.getHttpServer());
      return { request: running.request, close: () => app.close() };
    },
  };
}

/** The Nest targets of one major: `@nestjs/platform-express` and `@nestjs/platform-fastify`. */
export function nestTargets(kit: NestKit): [Target, Target] {
  return [nestTarget(kit, 'express'), nestTarget(kit, 'fastify')];
}
