/** The two real clients every test runs with, configured as the README tells users to. */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { RedisClientLike } from '../src/index.js';

export interface TestClient {
  readonly client: RedisClientLike;
  close(): Promise<void>;
}

export interface ClientKind {
  readonly name: string;
  connect(port: number): Promise<TestClient>;
}

export const CLIENTS: readonly ClientKind[] = [
  {
    name: 'node-redis',
    async connect(port) {
      const client = createClient({
        url: `redis://127.0.0.1:${port}`,
        // Fail commands at once while disconnected instead of queueing them for the reconnect.
        disableOfflineQueue: true,
        socket: { reconnectStrategy: () => 50, connectTimeout: 1000 },
      });
      client.on('error', () => {});
      await client.connect();
      // destroy, not quit: quit waits for a server that may be gone in the fault tests.
      return { client, close: async () => client.destroy() };
    },
  },
  {
    name: 'ioredis',
    async connect(port) {
      const client = new Redis(port, '127.0.0.1', {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => 50,
        lazyConnect: true,
      });
      client.on('error', () => {});
      await client.connect();
      return { client, close: async () => void client.disconnect() };
    },
  },
];
