import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningApp } from '../harness.js';

/** A Node server listening on 127.0.0.1 (port 0), as a RunningApp: real sockets, real HTTP. */
export async function onSocket(server: Server): Promise<RunningApp> {
  if (!server.listening) await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    request: (path, init) => fetch(`${base}${path}`, init),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Lets the event loop turn, as awaiting an upstream stream would, before the route fails. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
