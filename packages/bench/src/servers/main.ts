/**
 * One server under test, in its own process so the load generator never shares its event loop:
 * `node dist/servers/main.js <framework> <variant>`. Listens on 127.0.0.1 on a free port and sends
 * `{ port }` to the parent over IPC; exits when the parent disconnects.
 */
import type { Server } from 'node:http';
import { expressApp } from './express.js';
import { honoApp } from './hono.js';
import { koaApp } from './koa.js';
import { nestApp } from './nest.js';
import { type Framework, isFramework, isVariant, rateLimitError, type Variant } from './shared.js';
import { isTimingRequest, takeTiming } from './timing.js';

export interface ReadyMessage {
  readonly type: 'ready';
  readonly port: number;
}

function listen(framework: Framework, variant: Variant): Promise<Server> {
  if (variant === 'four29-timed' && framework !== 'hono')
    throw new Error('four29-timed is a Hono-only variant');
  const error = rateLimitError();
  switch (framework) {
    case 'express':
      return expressApp(variant, error)(0);
    case 'koa':
      return koaApp(variant, error)(0);
    case 'hono':
      return honoApp(variant, error)(0);
    case 'nest':
      return nestApp(variant, error)(0);
  }
}

async function main(): Promise<void> {
  const [framework, variant] = process.argv.slice(2);
  if (!isFramework(framework) || !isVariant(variant)) {
    throw new Error(`usage: main.js <framework> <variant>, got ${framework} ${variant}`);
  }
  if (typeof process.send !== 'function')
    throw new Error('main.js must be spawned with an IPC channel');
  // The parent going away (crash, Ctrl-C) must not leave a server behind.
  process.on('disconnect', () => process.exit(0));
  const server = await listen(framework, variant);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP port');
  const ready: ReadyMessage = { type: 'ready', port: address.port };
  process.send(ready);
  process.on('message', (message: unknown) => {
    if (isTimingRequest(message)) process.send?.(takeTiming(message.reset));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
