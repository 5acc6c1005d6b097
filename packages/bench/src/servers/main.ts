/**
 * One server under test, in its own process so the load generator never shares its event loop:
 * `node dist/servers/main.js <framework> <variant> <fresh|prebuilt>`. Listens on 127.0.0.1 on a
 * free port, sends `{ port }` to the parent over IPC and answers its stats requests; exits when
 * the parent disconnects.
 */
import { register } from 'node:module';
import { isStatsRequest, takeStats } from './stats.js';

export interface ReadyMessage {
  readonly type: 'ready';
  readonly port: number;
}

async function main(): Promise<void> {
  const [framework, variant, form] = process.argv.slice(2);
  if (typeof process.send !== 'function')
    throw new Error('main.js must be spawned with an IPC channel');
  // Before any adapter loads: their @four29/core imports go to the timed re-export.
  register('./core-hooks.js', import.meta.url);
  const { isErrorForm, isVariant, upstreamFailure } = await import('./shared.js');
  const { loadFramework } = await import('./registry.js');
  if (framework === undefined || !isVariant(variant) || !isErrorForm(form)) {
    throw new Error(
      `usage: main.js <framework> <variant> <fresh|prebuilt>, got ${process.argv.slice(2).join(' ')}`,
    );
  }
  // The parent going away (crash, Ctrl-C) must not leave a server behind.
  process.on('disconnect', () => process.exit(0));
  const app = await loadFramework(framework);
  const server = await app.listen(variant, upstreamFailure(form));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP port');
  const ready: ReadyMessage = { type: 'ready', port: address.port };
  process.send(ready);
  process.on('message', (message: unknown) => {
    if (isStatsRequest(message)) process.send?.(takeStats());
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
