/**
 * Child process that runs one example app under load, so its heap and RSS are measured alone (not
 * with the load generator's). Started by the runner with `--expose-gc` and an IPC channel:
 * `node --expose-gc dist/load/host.js <framework> <mock-upstream-url>`.
 *
 * Messages: it sends `{ type: 'ready', url }`; it answers `{ type: 'stats' }` with memory after a
 * forced GC and the log volume so far; `{ type: 'close' }` closes the app and exits.
 */
import type { AppOptions, Listenable } from '@four29/example-support';
import { pino } from 'pino';

export const FRAMEWORKS = ['express', 'koa', 'hono', 'nest', 'fastify'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export interface LogVolume {
  /** Every line the app's pino logger wrote. */
  readonly lines: number;
  readonly bytes: number;
  /** four29's upstream-error records. */
  readonly four29: number;
  /** four29's storm-suppression summaries. */
  readonly summaries: number;
}

export interface HostStats {
  readonly type: 'stats';
  readonly heapUsed: number;
  readonly external: number;
  readonly rss: number;
  readonly log: LogVolume;
}

export type HostMessage = { readonly type: 'ready'; readonly url: string } | HostStats;

/** A pino destination that counts what the app logs instead of printing it. */
function countingDestination(volume: { -readonly [K in keyof LogVolume]: number }) {
  return {
    write(line: string): void {
      volume.lines++;
      volume.bytes += Buffer.byteLength(line);
      if (line.includes('"four29.upstream_error.suppressed"')) volume.summaries++;
      else if (line.includes('"four29.upstream_error"')) volume.four29++;
    },
  };
}

async function loadApp(framework: Framework): Promise<(options: AppOptions) => Listenable> {
  switch (framework) {
    case 'express':
      return (await import('@four29/express-example')).createApp;
    case 'koa':
      return (await import('@four29/koa-example')).createApp;
    case 'hono':
      return (await import('@four29/hono-example')).createApp;
    case 'fastify':
      return (await import('@four29/fastify-example')).createApp;
    default:
      return (await import('@four29/nest-example')).createApp;
  }
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the host with --expose-gc');
  // Twice: the first pass can leave objects whose finalizers free more on the second.
  gc();
  gc();
}

async function main(): Promise<void> {
  const [framework, mockUrl] = process.argv.slice(2) as [Framework, string];
  const volume = { lines: 0, bytes: 0, four29: 0, summaries: 0 };
  const logger = pino({ level: 'info' }, countingDestination(volume));
  const createApp = await loadApp(framework);
  const app = await createApp({
    openaiBaseUrl: `${mockUrl}/v1`,
    anthropicBaseUrl: mockUrl,
    logger,
    timeoutMs: 10_000,
  }).listen(0, '127.0.0.1');
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stats') {
      collect();
      const { heapUsed, external, rss } = process.memoryUsage();
      process.send?.({
        type: 'stats',
        heapUsed,
        external,
        rss,
        log: { ...volume },
      } satisfies HostStats);
    } else if (message.type === 'close') {
      void app.close().then(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', url: app.url } satisfies HostMessage);
}

if (process.send !== undefined) await main();
