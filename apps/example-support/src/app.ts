import type { Logger } from 'pino';

/** What every example's `createApp` takes. */
export interface AppOptions {
  /** OpenAI-compatible base URL, e.g. `http://127.0.0.1:4290/v1` (the mock) or `https://api.openai.com/v1`. */
  readonly openaiBaseUrl: string;
  /** Anthropic base URL, e.g. `http://127.0.0.1:4290` (the mock) or `https://api.anthropic.com`. */
  readonly anthropicBaseUrl: string;
  /** pino logger: four29 writes its upstream-error records here (Nest its own lines too). */
  readonly logger: Logger;
  readonly openaiApiKey?: string;
  readonly anthropicApiKey?: string;
  /** How long one upstream call may take, ms. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface RunningApp {
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections (streams included). */
  close(): Promise<void>;
}

/** What every example's `createApp` returns, next to its framework's app (or Nest module). */
export interface Listenable {
  /** Port 0 (the default) picks a free one; host defaults to `127.0.0.1`. */
  listen(port?: number, host?: string): Promise<RunningApp>;
}
