import type { NestInterceptor } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import { UpstreamSseInterceptor } from './upstream-sse.interceptor.js';

// @nestjs/common/constants, the same in Nest 10 to 12; a deep import would tie the build to a file
// layout that Nest's exports map may not expose.
const SSE_METADATA = '__sse__';
const INTERCEPTORS_METADATA = '__interceptors__';

interface MetadataReflect {
  getMetadata(key: string, target: object): unknown;
  defineMetadata(key: string, value: unknown, target: object): void;
}

function metadataReflect(): MetadataReflect | undefined {
  const reflect = Reflect as Partial<MetadataReflect>;
  return typeof reflect.getMetadata === 'function' && typeof reflect.defineMetadata === 'function'
    ? (reflect as MetadataReflect)
    : undefined;
}

/** The methods a controller class has, own and inherited, without running any getter. */
function methodsOf(controller: Function): Function[] {
  const methods: Function[] = [];
  for (
    let proto: unknown = controller.prototype;
    proto !== null && proto !== Object.prototype && typeof proto === 'object';
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = Object.getOwnPropertyDescriptor(proto, name)?.value;
      if (name !== 'constructor' && typeof value === 'function') methods.push(value);
    }
  }
  return methods;
}

const isSseInterceptor = (i: unknown): boolean =>
  i === UpstreamSseInterceptor || i instanceof UpstreamSseInterceptor;

/**
 * Puts `interceptor` on every `@Sse()` handler of the app's controllers, as
 * `@UseInterceptors(interceptor)` would, and on nothing else. A global interceptor would do the same
 * job, but then Nest runs every request of every route through its interceptor machinery, which cost
 * ~105 µs per request on the happy path and ~135 µs per handled error in `pnpm bench`
 * (docs/benchmarks.md). It runs while Nest creates the app's providers, before `init()` builds the
 * routes and reads this metadata. Handler metadata is shared by every app of the process, so an
 * earlier app's interceptor is replaced, not added to: routes already built keep the one they read.
 * Returns how many handlers it covers.
 */
export function attachToSseHandlers(
  modules: ModulesContainer,
  interceptor: NestInterceptor,
): number {
  const reflect = metadataReflect();
  if (reflect === undefined) return 0;
  let attached = 0;
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller: unknown = wrapper.metatype;
      if (typeof controller !== 'function') continue;
      for (const handler of methodsOf(controller)) {
        if (!reflect.getMetadata(SSE_METADATA, handler)) continue;
        const current = reflect.getMetadata(INTERCEPTORS_METADATA, handler);
        const others = Array.isArray(current) ? current.filter((i) => !isSseInterceptor(i)) : [];
        // First of the handler's own interceptors, as close to where the global one ran as a
        // handler's interceptor gets.
        reflect.defineMetadata(INTERCEPTORS_METADATA, [interceptor, ...others], handler);
        attached++;
      }
    }
  }
  return attached;
}
