import type { ScenarioId, UpstreamFixture } from '@four29/fixtures';

export type { ScenarioId, UpstreamFixture };

/** The API shapes the mock speaks. Azure and OpenRouter are OpenAI-compatible variants. */
export type MockProvider = 'openai' | 'azure-openai' | 'openrouter' | 'anthropic' | 'google';

export interface BucketOptions {
  /** Requests each API key may make per window (a minute). */
  readonly requestsPerMinute: number;
  /**
   * Tokens each API key may spend per window, counted as the `usage` the mock reports
   * (prompt + completion). Leave out to not limit tokens (and not send token headers).
   */
  readonly tokensPerMinute?: number;
  /**
   * Length of the window the two budgets above apply to, ms. Default 60 000 (a minute, as the
   * providers count), starting at a key's first request. When set, windows are aligned on the
   * epoch instead (each exactly this long): a benchmark scales the window down to see several
   * whole windows in a short run.
   */
  readonly windowMs?: number;
  /**
   * What a request spends from the token budget:
   * - `'usage'` (default): the usage the mock reports (prompt + delivered completion).
   * - `'requested'`: prompt + the `max_tokens` it asked for (the whole reply when it set none),
   *   charged up front as OpenAI does, which is what a client's token estimate has to cover.
   */
  readonly tokenCharge?: 'usage' | 'requested';
}

export interface RecordedRequest {
  readonly at: number;
  readonly method: string;
  /** Path without the query string (queries can carry API keys, e.g. Gemini's `?key=`). */
  readonly path: string;
  /** `null` when the request named an unknown scenario. */
  readonly scenario: ScenarioId | null;
  /** `null` when the path matched no provider. */
  readonly provider: MockProvider | null;
  readonly model: string | null;
  readonly stream: boolean;
  /** Status sent, `null` while the request hangs (`timeout`) or if the client left first. */
  readonly status: number | null;
  /** Short SHA-256 prefix of the credential: tells keys apart without storing them. */
  readonly keyId: string | null;
  /** The fixture replayed, for error answers. */
  readonly fixtureId: string | null;
}

export interface MockUpstreamOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /**
   * Per-key rate limit actually enforced on successful answers. Without it the mock still
   * enforces (and reports) generous limits, so its rate-limit headers are never made up.
   */
  readonly bucket?: BucketOptions;
  /** Delay before each answer starts, in ms. */
  readonly latencyMs?: number;
  /** `true` prints one line per request to stdout; a function receives each record. */
  readonly log?: boolean | ((entry: RecordedRequest) => void);
  /** Error responses to replay. Defaults to `@four29/fixtures`. */
  readonly fixtures?: readonly UpstreamFixture[];
  /** Clock, epoch ms. Default `Date.now`; tests pass a fake one to move the rate-limit window. */
  readonly now?: () => number;
}

export interface MockUpstream {
  /** `http://host:port`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Requests seen so far, oldest first. The same array for the server's lifetime. */
  readonly requests: readonly RecordedRequest[];
  /** Forgets recorded requests and every key's rate-limit window. */
  reset(): void;
  /** Stops listening and destroys open sockets, including hanging `timeout` requests. */
  close(): Promise<void>;
}
