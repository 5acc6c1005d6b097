import type { Four29Options } from '@four29/core';
import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';

/** Injection token of the `Four29Options` the module was configured with. */
export const FOUR29_OPTIONS = 'FOUR29_OPTIONS';

/** `Four29Module.forRootAsync` options: build `Four29Options` from other providers (e.g. ConfigService). */
export interface Four29ModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Providers passed to `useFactory`, in order. */
  readonly inject?: readonly (InjectionToken | OptionalFactoryDependency)[] | undefined;
  // `never[]` accepts a factory with any parameter types without putting `any` in the public type.
  readonly useFactory: (...args: never[]) => Four29Options | Promise<Four29Options>;
}
