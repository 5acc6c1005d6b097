/**
 * `@four29/core` as the adapters see it inside a server under test (core-hooks.ts sends their
 * `@four29/core` imports here): everything re-exported, except that the handler made by
 * `createUpstreamErrorHandler` times each of its calls. That splits four29's cost inside the
 * server into the core's share and the adapter's (with the framework sending the answer), with the
 * real adapter in its real place. Two performance.now() calls per error, ~0.1 µs.
 */
import { createUpstreamErrorHandler as createHandler, type Four29Options } from '@four29/core';
import { addCoreCall } from './stats.js';

export * from '@four29/core';

export function createUpstreamErrorHandler(
  options?: Four29Options,
): ReturnType<typeof createHandler> {
  const handle = createHandler(options);
  return (error, context) => {
    const start = performance.now();
    try {
      return handle(error, context);
    } finally {
      addCoreCall(performance.now() - start);
    }
  };
}
