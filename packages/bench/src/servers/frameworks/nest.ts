import 'reflect-metadata';
import type { Server, ServerResponse } from 'node:http';
import { Four29Module } from '@four29/nest';
import {
  type ArgumentsHost,
  Catch,
  Controller,
  type DynamicModule,
  type ExceptionFilter,
  Get,
  Module,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import type { Response } from 'express';
import { APIError } from 'openai';
import { answerUpstreamError, handLogger } from '../hand-written.js';
import {
  errorHandlerFor,
  FAIL_PATH,
  type FrameworkServer,
  OK_PATH,
  STATIC_503_BODY,
} from '../shared.js';

@Catch()
class Static503Filter implements ExceptionFilter {
  catch(_exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ServerResponse>();
    res.statusCode = 503;
    res.setHeader('content-type', 'application/json');
    res.end(STATIC_503_BODY);
  }
}

/** A Nest app's usual way: an exception filter for the SDK's error class, registered globally. */
@Catch(APIError)
class OpenAIErrorFilter implements ExceptionFilter {
  private readonly log = handLogger();

  catch(exception: APIError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const answer = answerUpstreamError(exception, this.log) ?? {
      status: 500,
      headers: {},
      body: 'Internal Server Error',
    };
    res.status(answer.status).set(answer.headers).end(answer.body);
  }
}

/** What the app module imports and provides for a variant's error handling. */
interface ErrorHandling {
  readonly imports: DynamicModule[];
  readonly providers: Provider[];
}

const globalFilter = (filter: Type<ExceptionFilter>): ErrorHandling => ({
  imports: [],
  providers: [{ provide: APP_FILTER, useClass: filter }],
});

const server: FrameworkServer = {
  label: 'Nest (Express)',
  happyBaseline: 'bare',
  packages: ['@nestjs/core', '@nestjs/platform-express'],
  async listen(variant, fail) {
    @Controller()
    class BenchController {
      @Get(OK_PATH.slice(1))
      ok(): { ok: boolean } {
        return { ok: true };
      }

      @Get(FAIL_PATH.slice(1))
      fail(): never {
        return fail();
      }
    }

    const { imports, providers } = errorHandlerFor<ErrorHandling>(variant, {
      four29: (options) => ({ imports: [Four29Module.forRoot(options)], providers: [] }),
      static: globalFilter(Static503Filter),
      hand: () => globalFilter(OpenAIErrorFilter),
    }) ?? { imports: [], providers: [] };

    @Module({ imports, controllers: [BenchController], providers })
    class BenchModule {}

    // Nest on Express (the default platform); logger off so the bare app's error logs stay quiet.
    const app = await NestFactory.create(BenchModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    return app.getHttpServer() as Server;
  },
};
export default server;
