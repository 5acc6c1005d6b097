import {
  createUpstreamErrorHandler,
  type Four29Logger,
  type Four29Options,
  type UpstreamErrorHandler,
} from '@four29/core';
import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  type NestInterceptor,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { catchError, type Observable, of, throwError } from 'rxjs';
import { FOUR29_OPTIONS } from './options.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

// `SSE_METADATA` of @nestjs/common/constants, the same in Nest 10 to 12; a deep import would tie the
// build to a file layout that Nest's exports map may not expose.
const SSE_METADATA = '__sse__';

function isSseHandler(handler: unknown): boolean {
  const reflect = Reflect as { getMetadata?: (key: string, target: unknown) => unknown };
  try {
    return (
      typeof reflect.getMetadata === 'function' && !!reflect.getMetadata(SSE_METADATA, handler)
    );
  } catch {
    return false;
  }
}

function nestLogger(): Four29Logger {
  const logger = new Logger('four29');
  return {
    warn: (obj, msg) => logger.warn({ msg, ...obj }),
    error: (obj, msg) => logger.error({ msg, ...obj }),
  };
}

/** An SSE event as Nest's `@Sse()` writes it. */
export interface SseProblemEvent {
  readonly type: 'error';
  readonly data: string;
}

/**
 * For `@Sse()` handlers: once Nest has sent the event-stream headers it answers an observable's error
 * itself, without exception filters (a generic `data: Internal server error`). This ends such a stream
 * with four29's problem event instead when the error is an upstream error; before the headers went
 * out, and for anything else, the error goes on to Nest as before. `Four29Module` puts it on
 * every `@Sse()` handler; without the module, `@UseInterceptors(UpstreamSseInterceptor)`.
 */
@Injectable()
export class UpstreamSseInterceptor implements NestInterceptor {
  private readonly handle: UpstreamErrorHandler;

  constructor(
    @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
    @Optional() @Inject(FOUR29_OPTIONS) options?: Four29Options,
  ) {
    const logger = options?.logger !== undefined ? options.logger : nestLogger();
    this.handle = createUpstreamErrorHandler({ ...options, logger });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !isSseHandler(context.getHandler())) return next.handle();
    const http = context.switchToHttp();
    const req: unknown = http.getRequest();
    const res: unknown = http.getResponse();
    return next.handle().pipe(
      catchError((err: unknown) => {
        const event = this.problemEvent(err, req, res);
        return event === null ? throwError(() => err) : of(event);
      }),
    );
  }

  /** The problem event for an upstream error after the headers went out; null leaves it to Nest. */
  private problemEvent(err: unknown, req: unknown, res: unknown): SseProblemEvent | null {
    try {
      // Fastify's reply wraps Node's response as `raw`; Express's response is one.
      const raw = isObject(res) && isObject(res.raw) ? res.raw : res;
      // Before the headers, exception filters still answer, four29's among them.
      if (!isObject(raw) || raw.headersSent !== true) return null;
      const adapter = this.adapterHost?.httpAdapter;
      const headers = isObject(req) && isObject(req.headers) ? req.headers : {};
      const handled = this.handle(err, {
        method: adapter?.getRequestMethod?.(req),
        path: adapter?.getRequestUrl?.(req),
        requestId: headers['x-request-id'] as string | string[] | undefined,
        responseStarted: true,
        downstreamStatus: typeof raw.statusCode === 'number' ? raw.statusCode : 200,
      });
      // The body is one line of JSON: Nest writes it as the single `data:` line core's event has.
      return handled === null ? null : { type: 'error', data: handled.body };
    } catch {
      return null;
    }
  }
}
