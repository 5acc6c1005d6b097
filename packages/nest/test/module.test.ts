import type { Four29Options } from '@four29/core';
import {
  type ArgumentsHost,
  type HttpServer,
  type INestApplication,
  type LoggerService,
  Module,
  NotFoundException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FOUR29_OPTIONS, Four29Module, UpstreamErrorFilter } from '../src/index.js';
import { appModule } from './app.js';
import {
  adapterFor,
  expected,
  get,
  listen,
  PLATFORMS,
  type Running,
  recordingLogger,
  start,
  testOptions,
  upstreamError,
} from './support.js';

/** A Nest LoggerService that records every call, as the app's own logger would receive it. */
function recordingNestLogger(): LoggerService & { calls: { level: string; args: unknown[] }[] } {
  const calls: { level: string; args: unknown[] }[] = [];
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      calls.push({ level, args });
  return {
    calls,
    log: record('log'),
    warn: record('warn'),
    error: record('error'),
    debug: record('debug'),
    verbose: record('verbose'),
    fatal: record('fatal'),
  };
}

const throwing = (): never => {
  throw new Error('logger down');
};

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe.each(PLATFORMS)('on %s', (platform) => {
  it("logs through Nest's Logger when no logger is given, one structured object per record", async () => {
    const nestLogger = recordingNestLogger();
    running = await start(platform, appModule([Four29Module.forRoot(testOptions())]), {
      logger: nestLogger,
    });
    await get(`${running.url}/sync/openai-tokens`);
    await get(`${running.url}/sync/openai-quota`);
    const mine = nestLogger.calls.filter((c) => c.args.at(-1) === 'four29');
    const warn = expected(upstreamError('openai-tokens'), {
      method: 'GET',
      path: '/sync/openai-tokens',
    }).log;
    const error = expected(upstreamError('openai-quota'), {
      method: 'GET',
      path: '/sync/openai-quota',
    }).log;
    const { level: _w, ...warnRecord } = warn;
    const { level: _e, ...errorRecord } = error;
    expect(mine).toEqual([
      { level: 'warn', args: [warnRecord, 'four29'] },
      // Nest's Logger.error puts an (absent) stack before the context.
      { level: 'error', args: [errorRecord, undefined, 'four29'] },
    ]);
  });

  it('still answers when the given logger throws', async () => {
    const logger = { warn: throwing, error: throwing };
    running = await start(platform, appModule([Four29Module.forRoot(testOptions({ logger }))]));
    const res = await get(`${running.url}/async/openai-tokens`);
    expect(res.status).toBe(503);
    expect(res.body).toBe(expected(upstreamError('openai-tokens')).body);
  });

  it("still answers when the app's Nest logger throws", async () => {
    // Bootstrap messages go to log(); warn() and error() are where four29's records go.
    const nestLogger = { log: () => {}, warn: throwing, error: throwing };
    running = await start(platform, appModule([Four29Module.forRoot(testOptions())]), {
      logger: nestLogger,
    });
    const res = await get(`${running.url}/sync/openai-quota`);
    expect(res.status).toBe(503);
    expect(res.body).toBe(expected(upstreamError('openai-quota')).body);
  });

  it('handles the error when shouldHandle throws', async () => {
    const logger = recordingLogger();
    const shouldHandle = (): boolean => {
      throw new Error('predicate bug');
    };
    running = await start(
      platform,
      appModule([Four29Module.forRoot(testOptions({ logger, shouldHandle }))]),
    );
    const res = await get(`${running.url}/sync/openai-tokens`);
    expect(res.status).toBe(503);
    expect(logger.records).toHaveLength(1);
  });

  it("hands an error shouldHandle declines to Nest's own handling", async () => {
    const logger = recordingLogger();
    const options = testOptions({ logger, shouldHandle: (c) => c.provider !== 'openai' });
    running = await start(platform, appModule([Four29Module.forRoot(options)]));
    const declined = await get(`${running.url}/sync/openai-tokens`);
    expect(declined.status).toBe(500);
    expect(JSON.parse(declined.body)).toEqual({
      statusCode: 500,
      message: 'Internal server error',
    });
    expect(logger.records).toEqual([]);
    const accepted = await get(`${running.url}/sync/anthropic-overloaded`);
    expect(accepted.status).toBe(503);
  });

  it('forRootAsync builds the options from an injected provider', async () => {
    const logger = recordingLogger();
    const CONFIG = Symbol('config');
    @Module({
      providers: [{ provide: CONFIG, useValue: { perTenantKeys: true, logger } }],
      exports: [CONFIG],
    })
    class ConfigModule {}
    const four29 = Four29Module.forRootAsync({
      imports: [ConfigModule],
      inject: [CONFIG],
      useFactory: async (config: { perTenantKeys: boolean; logger: typeof logger }) =>
        testOptions({ policy: config.perTenantKeys ? 'passthrough' : 'default', logger }),
    });
    running = await start(platform, appModule([four29]));
    const res = await get(`${running.url}/sync/openai-tokens`);
    // 'passthrough' answers upstream rate limits as 429: proof the factory's options are used.
    expect(res.status).toBe(429);
    expect(res.body).toBe(
      expected(upstreamError('openai-tokens'), undefined, { policy: 'passthrough' }).body,
    );
    expect(logger.records).toHaveLength(1);
    expect(running.app.get(FOUR29_OPTIONS)).toMatchObject({ policy: 'passthrough' });
  });

  it('gives each app in the process its own @Sse() interceptor, with its own options', async () => {
    // Handler metadata is shared by every app of the process; both apps stay up at once.
    const first = recordingLogger();
    const second = recordingLogger();
    const a = await start(
      platform,
      appModule([Four29Module.forRoot(testOptions({ logger: first }))]),
    );
    try {
      running = await start(
        platform,
        appModule([Four29Module.forRoot(testOptions({ logger: second, policy: 'passthrough' }))]),
      );
      const path = '/sse/after/openai-tokens';
      // Nest numbers the events it writes with `id:` lines; the rest is core's event.
      const events = async (url: string) =>
        (await get(url + path, { signal: AbortSignal.timeout(5000) })).body.replace(
          /^id: \d+\n/gm,
          '',
        );
      const fromA = { body: await events(a.url) };
      const fromB = { body: await events(running.url) };
      const ctx = { method: 'GET', path, responseStarted: true, downstreamStatus: 200 } as const;
      expect(fromA.body).toContain(expected(upstreamError('openai-tokens'), ctx).sse.trim());
      expect(fromB.body).toContain(
        expected(upstreamError('openai-tokens'), ctx, { policy: 'passthrough' }).sse.trim(),
      );
      expect(first.records).toHaveLength(1);
      expect(second.records).toHaveLength(1);
    } finally {
      await a.close();
    }
  });

  it.each([
    ['an HttpAdapterHost', (app: INestApplication) => app.get(HttpAdapterHost)],
    ['the HTTP adapter', (app: INestApplication) => app.getHttpAdapter()],
  ])('works registered by hand with %s', async (_, source) => {
    const logger = recordingLogger();
    running = await start(platform, appModule(), {
      setup: (app) =>
        app.useGlobalFilters(new UpstreamErrorFilter(source(app), testOptions({ logger }))),
    });
    const upstream = await get(`${running.url}/sync/openai-tokens`);
    expect(upstream.status).toBe(503);
    expect(upstream.body).toBe(expected(upstreamError('openai-tokens')).body);
    const own = await get(`${running.url}/own/not-found`);
    expect(own.status).toBe(404);
    expect(JSON.parse(own.body)).toEqual(new NotFoundException().getResponse());
  });

  it("can be extended by the app's own catch-all filter", async () => {
    class AppFilter extends UpstreamErrorFilter {
      constructor(private readonly adapter: HttpServer) {
        super(adapter, testOptions({ logger: false }));
      }
      override catch(exception: unknown, host: ArgumentsHost): void {
        if (exception === 'a thrown string') {
          this.adapter.reply(host.switchToHttp().getResponse(), { mine: true }, 418);
        } else super.catch(exception, host);
      }
    }
    running = await start(platform, appModule(), {
      setup: (app) => app.useGlobalFilters(new AppFilter(app.getHttpAdapter())),
    });
    const mine = await get(`${running.url}/own/string`);
    expect([mine.status, JSON.parse(mine.body)]).toEqual([418, { mine: true }]);
    expect((await get(`${running.url}/sync/openai-tokens`)).status).toBe(503);
    expect((await get(`${running.url}/own/not-found`)).status).toBe(404);
  });

  it('works in a @nestjs/testing app, where the adapter is attached after the filter is built', async () => {
    const logger = recordingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [appModule([Four29Module.forRoot(testOptions({ logger }))])],
    }).compile();
    running = await listen(
      moduleRef.createNestApplication(adapterFor(platform), { logger: false }),
    );
    expect((await get(`${running.url}/sync/openai-tokens`)).status).toBe(503);
    expect((await get(`${running.url}/own/not-found`)).status).toBe(404);
    expect((await get(`${running.url}/own/plain`)).status).toBe(500);
    expect(logger.records).toHaveLength(1);
  });
});

describe('outside HTTP', () => {
  it.each(['graphql', 'ws'])(
    'does not write to the %s context and returns nothing, leaving the error to Nest',
    (type) => {
      const options: Four29Options = testOptions({ logger: recordingLogger() });
      const touched: string[] = [];
      // An adapter and arguments that record any use: a filter that tried to answer over HTTP
      // would touch them.
      const spy = new Proxy(
        {},
        {
          get: (_t, key) => {
            touched.push(String(key));
            return undefined;
          },
        },
      );
      const filter = new UpstreamErrorFilter(spy as HttpServer, options);
      const host = new ExecutionContextHost([spy, spy, spy, spy]);
      host.setType(type);
      expect(filter.catch(upstreamError('openai-tokens'), host)).toBeUndefined();
      expect(touched).toEqual([]);
      expect((options.logger as ReturnType<typeof recordingLogger>).records).toEqual([]);
    },
  );
});
