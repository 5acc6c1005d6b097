/**
 * The one thing the store needs from a Redis client: send a command, get its reply. node-redis
 * has `sendCommand(args)`, ioredis and iovalkey have `call(command, ...args)` (which also routes
 * by key in a Cluster); any other client can be wrapped in a `sendCommand` function.
 */

/** A command's reply as Redis clients return it (RESP2: strings, integers, arrays, null). */
export type RedisReply = string | number | null | readonly RedisReply[];

/** node-redis v5 (`createClient()`), also its Cluster. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** ioredis and iovalkey (`new Redis()`, `new Cluster()`). */
export interface IoRedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** Any client: send one command (`['EVALSHA', sha, '1', key, ...]`), resolve its reply. */
export type SendCommand = (args: string[]) => Promise<unknown>;

export type RedisClientLike = NodeRedisLike | IoRedisLike;

/** Picks the client's command function: `call` first (ioredis also has a `sendCommand` of its own). */
export function commandSender(client: unknown): SendCommand | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const { call, sendCommand } = client as { call?: unknown; sendCommand?: unknown };
  if (typeof call === 'function') {
    return (args) => call.apply(client, args) as Promise<unknown>;
  }
  if (typeof sendCommand === 'function') {
    return (args) => sendCommand.call(client, args) as Promise<unknown>;
  }
  return undefined;
}

/** Whether a command failed because the server does not have the script (flushed, restarted). */
export function isNoScript(error: unknown): boolean {
  try {
    const message: unknown = (error as { message?: unknown } | null)?.message;
    return typeof message === 'string' && message.includes('NOSCRIPT');
  } catch {
    return false;
  }
}
