import type { Four29Options } from '@four29/core';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { FOUR29_OPTIONS, type Four29ModuleAsyncOptions } from './options.js';
import { UpstreamErrorFilter } from './upstream-error.filter.js';

const filterProvider: Provider = { provide: APP_FILTER, useClass: UpstreamErrorFilter };

/**
 * Registers `UpstreamErrorFilter` as a global filter. Import it once, in the root module.
 * Global, so `@UseFilters(UpstreamErrorFilter)` anywhere gets the same options.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: Nest's dynamic-module pattern is a class with static factories
export class Four29Module {
  static forRoot(options: Four29Options = {}): DynamicModule {
    return {
      module: Four29Module,
      global: true,
      providers: [{ provide: FOUR29_OPTIONS, useValue: options }, filterProvider],
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
      ],
      exports: [FOUR29_OPTIONS],
    };
  }
}
