import type { Server } from 'node:http';
import { close, listen } from '../net.js';
import type { AppSpec, RunningApp } from './types.js';

/** A listening Node server as a RunningApp; `stop` defaults to closing the server. */
export async function onSocket(server: Server, stop?: () => Promise<void>): Promise<RunningApp> {
  const base = await listen(server);
  return {
    server,
    fetch: (path, init) => fetch(`${base}${path}`, init),
    close: stop ?? (() => close(server)),
  };
}

/** Lets the event loop turn, as awaiting an upstream stream would, before the route fails. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A path segment decoded, or as sent when it is not valid percent-encoding (hostile keys). */
export function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * What the stream routes throw once the token is out: `/stream/:key` the spec's error,
 * `/stream-live/:key` what the live upstream call rejects with.
 */
export function streamFailures(spec: AppSpec): readonly [string, (key: string) => unknown][] {
  return [
    ['/stream/:key', (key) => spec.error(key)],
    [
      '/stream-live/:key',
      async (key) => {
        await spec.live?.(key);
        return new Error('live() resolved');
      },
    ],
  ];
}
