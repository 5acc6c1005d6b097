import type { ServerResponse } from 'node:http';
import {
  type CallHandler,
  type CanActivate,
  Controller,
  type DynamicModule,
  type ExecutionContext,
  Get,
  HttpException,
  Module,
  type NestInterceptor,
  NotFoundException,
  Param,
  Res,
  Sse,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import createError from 'http-errors';
import { concat, type Observable, of, throwError } from 'rxjs';
import { upstreamError } from './support.js';

/** The app's own errors: four29 must leave every one of them to Nest. */
export const OWN_ERRORS: Record<string, () => unknown> = {
  'not-found': () => new NotFoundException(),
  'http-429': () => new HttpException('Slow down', 429),
  'http-503-object': () => new HttpException({ error: 'maintenance', status: 503 }, 503),
  throttler: () => new ThrottlerException(),
  'http-errors-404': () => createError(404),
  'http-errors-429': () => createError(429, 'Too many requests from you'),
  'http-errors-500': () => createError(500, 'secret detail'),
  plain: () => new Error('boom'),
  string: () => 'a thrown string',
  null: () => null,
  // Upstream-looking, but an object with a status and nothing else is not an upstream error.
  'status-only': () => ({ status: 429 }),
  hostile: () =>
    new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        getPrototypeOf() {
          throw new Error('trap');
        },
        has() {
          throw new Error('trap');
        },
      },
    ),
};

function paramOf(context: ExecutionContext): string {
  const req = context.switchToHttp().getRequest<{ params: Record<string, string> }>();
  return req.params.name ?? '';
}

class ThrowingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    throw upstreamError(paramOf(context));
  }
}

class ThrowingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, _next: CallHandler): Observable<unknown> {
    throw upstreamError(paramOf(context));
  }
}

type AnyResponse = ServerResponse | { raw: ServerResponse };

@Controller()
export class TestController {
  /** Who called the handler: Nest's interceptor machinery shows in the stack when it runs. */
  @Get('caller')
  caller(): string {
    return new Error('where').stack ?? '';
  }

  @Get('sync/:name')
  sync(@Param('name') name: string): never {
    throw upstreamError(name);
  }

  @Get('async/:name')
  async async(@Param('name') name: string): Promise<never> {
    await new Promise((resolve) => setImmediate(resolve));
    throw upstreamError(name);
  }

  @Get('observable/:name')
  observable(@Param('name') name: string): Observable<never> {
    return throwError(() => upstreamError(name));
  }

  @Get('guarded/:name')
  @UseGuards(ThrowingGuard)
  guarded(): string {
    return 'unreachable';
  }

  @Get('intercepted/:name')
  @UseInterceptors(ThrowingInterceptor)
  intercepted(): string {
    return 'unreachable';
  }

  @Get('own/:name')
  own(@Param('name') name: string): never {
    const make = OWN_ERRORS[name];
    if (make === undefined) throw new Error(`unknown own error ${name}`);
    throw make();
  }

  @Get('limited')
  @UseGuards(ThrottlerGuard)
  limited(): string {
    return 'ok';
  }

  /** A token stream written straight to the response, as LLM proxies do. */
  @Get('stream/:style/:name')
  async stream(
    @Res() res: AnyResponse,
    @Param('style') style: string,
    @Param('name') name: string,
  ): Promise<never> {
    const raw = 'raw' in res ? res.raw : res;
    if (style === 'write-head') {
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    } else if (style === 'set-header') {
      raw.setHeader('content-type', 'text/event-stream');
      raw.flushHeaders();
    } else {
      raw.writeHead(200, { 'content-type': 'application/json' });
    }
    raw.write(style === 'json' ? '{"partial":' : 'data: {"token":"Hel"}\n\n');
    await new Promise((resolve) => setImmediate(resolve));
    throw upstreamError(name);
  }

  @Sse('sse/:when/:name')
  sse(@Param('when') when: string, @Param('name') name: string): Observable<{ data: unknown }> {
    const own = OWN_ERRORS[name];
    const fail = throwError(() => (own !== undefined ? own() : upstreamError(name)));
    return when === 'before' ? fail : concat(of({ data: { token: 'Hel' } }), fail);
  }
}

/** The test app, with or without four29 (or with it registered some other way). */
export function appModule(imports: DynamicModule[] = []) {
  @Module({
    imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 1 }]), ...imports],
    controllers: [TestController],
  })
  class AppModule {}
  return AppModule;
}
