// Type-checked as .mts and .cts under node16 and as .ts under bundler (see README).
import { createRedisStore, type RedisStore } from '@four29/redis';
import { createPacedFetch, createQuotaBreaker, type ResilienceStore } from '@four29/resilience';
import { Redis } from 'ioredis';
import { createClient } from 'redis';

// Both real clients fit the structural client interface, without a cast.
export const viaNodeRedis: RedisStore = createRedisStore({ client: createClient() });
export const viaIoredis: ResilienceStore = createRedisStore({
  client: new Redis({ lazyConnect: true }),
});
export const viaFunction = createRedisStore({ sendCommand: async (args: string[]) => args.length });

export const paced = createPacedFetch({ store: viaNodeRedis, requestsPerMinute: 600 });
export const breaker = createQuotaBreaker({ store: viaIoredis, storeTimeoutMs: 20 });

// @ts-expect-error -- proves the options are typed and not `any`: a client is not a string.
createRedisStore({ client: 'redis://127.0.0.1' });
