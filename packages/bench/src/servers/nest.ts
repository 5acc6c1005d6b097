import 'reflect-metadata';
import type { Server, ServerResponse } from 'node:http';
import { Four29Module } from '@four29/nest';
import {
  type ArgumentsHost,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  Module,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { FAIL_PATH, four29Options, OK_PATH, STATIC_503_BODY, type Variant } from './shared.js';

@Catch()
class Static503Filter implements ExceptionFilter {
  catch(_exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ServerResponse>();
    res.statusCode = 503;
    res.setHeader('content-type', 'application/json');
    res.end(STATIC_503_BODY);
  }
}

export function nestApp(variant: Variant, error: Error): (port: number) => Promise<Server> {
  @Controller()
  class BenchController {
    @Get(OK_PATH.slice(1))
    ok(): { ok: boolean } {
      return { ok: true };
    }

    @Get(FAIL_PATH.slice(1))
    fail(): never {
      throw error;
    }
  }

  const options = four29Options(variant);
  const providers: Provider[] =
    variant === 'static' ? [{ provide: APP_FILTER, useClass: Static503Filter }] : [];

  @Module({
    imports: options !== undefined ? [Four29Module.forRoot(options)] : [],
    controllers: [BenchController],
    providers,
  })
  class BenchModule {}

  return async (port) => {
    // Nest on Express (the default platform); logger off so the bare app's error logs stay quiet.
    const app = await NestFactory.create(BenchModule, { logger: false });
    await app.listen(port, '127.0.0.1');
    return app.getHttpServer() as Server;
  };
}
