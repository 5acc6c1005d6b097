import {
  createUpstreamErrorHandler,
  type Four29Logger,
  type Four29Options,
  type UpstreamErrorHandler,
} from '@four29/core';
import { finishStartedResponse, type NodeResponseLike, sendProblem } from '@four29/core/internal';
import {
  type ArgumentsHost,
  Catch,
  type HttpServer,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { FOUR29_OPTIONS } from './options.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function adapterOf(source: HttpAdapterHost | HttpServer): HttpServer | undefined {
  if (!isObject(source)) return undefined;
  return 'httpAdapter' in source ? (source as HttpAdapterHost).httpAdapter : (source as HttpServer);
}

function nestLogger(): Four29Logger {
  const logger = new Logger('four29');
  // One object argument keeps the record structured (JSON ConsoleLogger, nestjs-pino, …).
  return {
    warn: (obj, msg) => logger.warn({ msg, ...obj }),
    error: (obj, msg) => logger.error({ msg, ...obj }),
  };
}

/**
 * Answers upstream errors (rate limits, quota, overload, timeouts, …) with a problem+json response
 * and hands everything else to Nest's BaseExceptionFilter. HTTP only: in rpc, ws and graphql
 * contexts it returns nothing, so Nest's own handling for that context answers.
 */
@Catch()
export class UpstreamErrorFilter extends BaseExceptionFilter {
  private readonly source: HttpAdapterHost | HttpServer;
  private readonly handle: UpstreamErrorHandler;

  constructor(
    // Required, and not @Optional: without an adapter nothing can answer, so `new` without one is a
    // type error and a second copy of @nestjs/core (another HttpAdapterHost class) fails at bootstrap.
    @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost | HttpServer,
    @Optional() @Inject(FOUR29_OPTIONS) options?: Four29Options,
  ) {
    super(adapterOf(adapterHost));
    this.source = adapterHost;
    const logger = options?.logger !== undefined ? options.logger : nestLogger();
    this.handle = createUpstreamErrorHandler({ ...options, logger });
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const adapter = adapterOf(this.source) ?? this.httpAdapterHost?.httpAdapter;
    if (adapter === undefined || !this.answer(exception, host, adapter))
      super.catch(exception, host);
  }

  /** Writes the problem for an upstream error; false hands the error to Nest. Never throws. */
  private answer(exception: unknown, host: ArgumentsHost, adapter: HttpServer): boolean {
    const http = host.switchToHttp();
    const req: unknown = http.getRequest();
    const res: unknown = http.getResponse();
    try {
      // Fastify's reply wraps Node's response as `raw`; Express's response is one.
      const raw = (isObject(res) && isObject(res.raw) ? res.raw : res) as NodeResponseLike;
      const started = adapter.isHeadersSent(res) === true || raw.headersSent === true;
      const headers = isObject(req) && isObject(req.headers) ? req.headers : {};
      const handled = this.handle(exception, {
        method: adapter.getRequestMethod?.(req),
        path: adapter.getRequestUrl?.(req),
        requestId: headers['x-request-id'] as string | string[] | undefined,
        responseStarted: started,
        downstreamStatus: raw.statusCode,
      });
      if (handled === null) return false;
      if (started) {
        finishStartedResponse(raw, handled);
        return true;
      }
      // Exact bytes on every platform: on Express the Node response is the response; Fastify's reply
      // needs send() for its own headers and hooks, and bytes so it appends no charset to a JSON type.
      if (raw === res) sendProblem(raw, handled);
      else {
        for (const [name, value] of Object.entries(handled.headers))
          adapter.setHeader(res, name, value);
        adapter.reply(res, Buffer.from(handled.body), handled.status);
      }
      return true;
    } catch {
      // A request or response that is not what the platform promised: Nest answers, unless
      // something already went out.
      try {
        return adapter.isHeadersSent(res) === true;
      } catch {
        return true;
      }
    }
  }
}
