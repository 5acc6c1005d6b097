import type { Four29Options } from '@four29/core';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_FILTER, ModulesContainer } from '@nestjs/core';
import { FOUR29_OPTIONS, type Four29ModuleAsyncOptions } from './options.js';
import { attachToSseHandlers } from './sse-routes.js';
import { UpstreamErrorFilter } from './upstream-error.filter.js';
import { UpstreamSseInterceptor } from './upstream-sse.interceptor.js';

const filterProvider: Provider = { provide: APP_FILTER, useClass: UpstreamErrorFilter };
// Nest answers an @Sse() stream's errors itself once its headers are out, past every filter, so
// those handlers get the interceptor; a global one would cost every other route too (sse-routes.ts).
const SSE_HANDLERS = Symbol('four29 @Sse() handlers');
const sseProviders: Provider[] = [
  UpstreamSseInterceptor,
  {
    provide: SSE_HANDLERS,
    useFactory: attachToSseHandlers,
    inject: [ModulesContainer, UpstreamSseInterceptor],
  },
];

/**
 * Registers `UpstreamErrorFilter` as a global filter and puts `UpstreamSseInterceptor` on every
 * `@Sse()` handler. Import it once, in the root module.
 * Global, so `@UseFilters(UpstreamErrorFilter)` anywhere gets the same options.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: Nest's dynamic-module pattern is a class with static factories
export class Four29Module {
  static forRoot(options: Four29Options = {}): DynamicModule {
    return {
      module: Four29Module,
      global: true,
      providers: [{ provide: FOUR29_OPTIONS, useValue: options }, filterProvider, ...sseProviders],
      exports: [FOUR29_OPTIONS],
    };
  }

  static forRootAsync(options: Four29ModuleAsyncOptions): DynamicModule {
    return {
      module: Four29Module,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: FOUR29_OPTIONS,
          useFactory: options.useFactory as (...args: unknown[]) => Four29Options,
          inject: [...(options.inject ?? [])],
        },
        filterProvider,
        ...sseProviders,
      ],
      exports: [FOUR29_OPTIONS],
    };
  }
}
