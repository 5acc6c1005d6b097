import { type Logger, pino } from 'pino';
import type { AppOptions, Listenable, RunningApp } from './app.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** An example's {@link AppOptions} from the environment (see any example's README for the table). */
export function optionsFromEnv(env: Env, logger: Logger): AppOptions {
  const timeoutMs = Number(env.UPSTREAM_TIMEOUT_MS);
  return {
    // Defaults point at the mock upstream (`node apps/mock-upstream/dist/cli.js`, port 4290).
    openaiBaseUrl: env.OPENAI_BASE_URL ?? 'http://127.0.0.1:4290/v1',
    anthropicBaseUrl: env.ANTHROPIC_BASE_URL ?? 'http://127.0.0.1:4290',
    logger,
    ...(env.OPENAI_API_KEY ? { openaiApiKey: env.OPENAI_API_KEY } : {}),
    ...(env.ANTHROPIC_API_KEY ? { anthropicApiKey: env.ANTHROPIC_API_KEY } : {}),
    ...(timeoutMs > 0 ? { timeoutMs } : {}),
  };
}

export interface LaunchOptions {
  /** `express`, `koa`, …: the log line says `<name> example listening`. */
  readonly name: string;
  /** Used when `PORT` is not set. */
  readonly defaultPort: number;
  readonly createApp: (options: AppOptions) => Listenable;
}

/**
 * An example's `main.ts`: builds the app from the environment with a pino logger on stdout,
 * listens on `PORT`/`HOST`, and closes it (then exits 0) on SIGINT or SIGTERM.
 */
export async function launch(options: LaunchOptions, env: Env = process.env): Promise<RunningApp> {
  const logger = pino();
  const example = options.createApp(optionsFromEnv(env, logger));
  const running = await example.listen(
    Number(env.PORT ?? options.defaultPort),
    env.HOST ?? '127.0.0.1',
  );
  logger.info({ url: running.url }, `${options.name} example listening`);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void running.close().then(() => process.exit(0));
    });
  }
  return running;
}
