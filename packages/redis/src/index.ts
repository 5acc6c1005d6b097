export type {
  IoRedisLike,
  NodeRedisLike,
  RedisClientLike,
  RedisReply,
  SendCommand,
} from './client.js';
export { createRedisStore, type RedisStore, type RedisStoreOptions } from './store.js';
