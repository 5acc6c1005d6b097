import { pino } from 'pino';
import { createApp } from './app.js';

const env = process.env;
const logger = pino();
const timeoutMs = Number(env.UPSTREAM_TIMEOUT_MS);

const example = createApp({
  // Defaults point at the mock upstream (`node apps/mock-upstream/dist/cli.js`, port 4290).
  openaiBaseUrl: env.OPENAI_BASE_URL ?? 'http://127.0.0.1:4290/v1',
  anthropicBaseUrl: env.ANTHROPIC_BASE_URL ?? 'http://127.0.0.1:4290',
  logger,
  ...(env.OPENAI_API_KEY ? { openaiApiKey: env.OPENAI_API_KEY } : {}),
  ...(env.ANTHROPIC_API_KEY ? { anthropicApiKey: env.ANTHROPIC_API_KEY } : {}),
  ...(timeoutMs > 0 ? { timeoutMs } : {}),
});

const running = await example.listen(Number(env.PORT ?? 3004), env.HOST ?? '127.0.0.1');
logger.info({ url: running.url }, 'nest example listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void running.close().then(() => process.exit(0));
  });
}
