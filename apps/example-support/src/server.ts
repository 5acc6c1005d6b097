import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningApp } from './app.js';

/**
 * The {@link RunningApp} of a server that was told to listen on `host`, once it listens. `close`
 * defaults to {@link closeServer}; Nest passes its own so its shutdown hooks run.
 */
export async function listening(
  server: Server,
  host: string,
  close: () => Promise<void> = () => closeServer(server),
): Promise<RunningApp> {
  if (!server.listening) await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, close };
}

/** Stops listening and drops open connections, keep-alive and streams included. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
