/**
 * The taxonomy. Each kind answers one question for the caller and the operator:
 * can this succeed by waiting, and who has to act?
 */
export type UpstreamErrorKind =
  | 'rate_limited'
  | 'quota_exhausted'
  | 'request_too_large'
  | 'overloaded'
  | 'upstream_auth'
  | 'upstream_timeout'
  | 'upstream_error';

export const UPSTREAM_ERROR_KINDS: readonly UpstreamErrorKind[] = [
  'rate_limited',
  'quota_exhausted',
  'request_too_large',
  'overloaded',
  'upstream_auth',
  'upstream_timeout',
  'upstream_error',
];

export type KnownProviderId =
  | 'openai'
  | 'azure-openai'
  | 'anthropic'
  | 'google'
  | 'bedrock'
  | 'openrouter'
  | 'groq'
  | 'mistral'
  | 'cohere'
  | 'deepseek'
  | 'xai'
  | 'together'
  | 'fireworks'
  | 'perplexity'
  | 'ollama'
  | 'vllm'
  | 'generic';

/** A known provider id, or any other string for providers four29 does not know yet. */
export type ProviderId = KnownProviderId | (string & {});

export type LimitDimension =
  | 'requests'
  | 'tokens'
  | 'input_tokens'
  | 'output_tokens'
  | 'images'
  | 'concurrent'
  | (string & {});

export type LimitWindow = 'second' | 'minute' | 'hour' | 'day' | 'month';

/** Who has to act on a remediation step. */
export type Audience = 'caller' | 'operator' | 'billing-admin';

export interface RemediationStep {
  /** Stable identifier, e.g. `openai.raise-monthly-budget`. Safe to log and to match on. */
  readonly id: string;
  readonly title: string;
  readonly detail: string;
  readonly audience: Audience;
  /** Provider console or documentation page where the step is done, when there is one. */
  readonly url?: string;
}

export interface RemediationCause {
  readonly id: string;
  readonly text: string;
}

export interface Remediation {
  /** Likely causes, most likely first. */
  readonly causes: readonly RemediationCause[];
  /** Steps, in the order someone should try them. */
  readonly steps: readonly RemediationStep[];
}

export interface Classification {
  readonly kind: UpstreamErrorKind;
  readonly provider: ProviderId;
  /** Whether the same request can succeed later without a human changing anything. */
  readonly retryable: boolean;
  /** How long to wait before retrying, when the upstream said so (or said when the limit resets). */
  readonly retryAfterMs?: number;
  /** When the exhausted limit resets, epoch milliseconds. */
  readonly resetAt?: number;
  readonly dimension?: LimitDimension;
  readonly window?: LimitWindow;
  readonly limit?: number;
  readonly remaining?: number;
  readonly used?: number;
  readonly requested?: number;
  readonly upstreamStatus?: number;
  /** The provider's own code or type, e.g. `insufficient_quota`, `overloaded_error`, `ThrottlingException`. */
  readonly upstreamCode?: string;
  readonly upstreamRequestId?: string;
  /** The upstream's message with secrets and account ids redacted, bounded in length. For logs only. */
  readonly upstreamMessage?: string;
  readonly remediation: Remediation;
}

export interface ClassifyOptions {
  /**
   * The current time, epoch ms, as a **number**: what absolute reset times are resolved against.
   * Defaults to `Date.now()`. (`Four29Options.now` and the resilience helpers' `now` are clock
   * *functions* instead, `() => number`, because they are read again for every error or call.)
   */
  readonly now?: number | undefined;
  /** Provider hint, used when the error itself does not say which provider answered. */
  readonly provider?: ProviderId | undefined;
}

/** Downstream HTTP status per kind. */
export type StatusPolicy = Readonly<Record<UpstreamErrorKind, number>>;

export type StatusPolicyOption =
  | 'default'
  | 'passthrough'
  | Partial<Record<UpstreamErrorKind, number>>;

/**
 * Anything with pino-style `warn(obj, msg)` / `error(obj, msg)`: pino, bunyan-compatible loggers,
 * or an adapter around `console`.
 */
export interface Four29Logger {
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

export interface RedactionOptions {
  /** Extra patterns to redact from upstream messages (in addition to the built-in secret patterns). */
  readonly patterns?: readonly RegExp[] | undefined;
  /** Replacement text. Default `[REDACTED]`. */
  readonly replacement?: string | undefined;
}

export interface LogSuppressionOptions {
  /**
   * How long repeats of a logged event are counted instead of logged. When the window closes, one
   * summary record carries the count. Default 60 s.
   */
  readonly windowMs?: number | undefined;
  /** Distinct event kinds tracked at once; the oldest is summarized and dropped first. Default 1000. */
  readonly maxKeys?: number | undefined;
}

/** What identifies "the same event" for suppression: the record's level, kind, provider, status, code. */
export interface SuppressionKey {
  readonly level: LogLevel;
  readonly kind: string;
  readonly provider: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
}

/** The one options type every adapter accepts. */
export interface Four29Options {
  /** Downstream status per kind: `'default'`, `'passthrough'` (rate limits answered as 429), or overrides. */
  readonly policy?: StatusPolicyOption | undefined;
  /** Where log records go. Default: one JSON line on `console.warn`/`console.error`. `false` turns logging off. */
  readonly logger?: Four29Logger | false | undefined;
  readonly redaction?: RedactionOptions | undefined;
  /**
   * Base URI for the problem `type` member: `{kind}` in it is replaced by the kind, or the kind is
   * appended. Default `DEFAULT_PROBLEM_TYPE_BASE`, the project's documentation site.
   */
  readonly problemTypeBase?: string | undefined;
  /** Provider hint for errors that do not identify their provider (plain HTTP errors, custom fetch wrappers). */
  readonly provider?: ProviderId | undefined;
  /**
   * Decides whether four29 answers a classified upstream error. Errors it declines go to the
   * framework's own handling untouched. Default: every classified upstream error is handled.
   * A predicate that throws counts as `true`.
   */
  readonly shouldHandle?: ((classification: Classification, error: unknown) => boolean) | undefined;
  /**
   * Called once for every error the handler answers, after the answer is built: for metrics and
   * tracing (`@four29/otel` records spans and counters through it). A hook that throws is ignored.
   */
  readonly onHandled?: ((event: HandledErrorEvent) => void) | undefined;
  /**
   * Log storm suppression: the first upstream error of a kind (per provider and upstream status and
   * code) is logged, identical ones within `windowMs` (default 60 s) are counted, and one summary
   * record with the count follows when the window closes. On by default; `false` logs every error.
   */
  readonly logSuppression?: LogSuppressionOptions | false | undefined;
  /**
   * A clock **function** returning epoch ms, read once per handled error; for tests. Default
   * `Date.now`. Not a number, unlike `classify`'s `ClassifyOptions.now`: one handler serves many
   * errors over time.
   */
  readonly now?: (() => number) | undefined;
}

/** What {@link Four29Options.onHandled} receives for each answered upstream error. */
export interface HandledErrorEvent {
  readonly classification: Classification;
  /** The downstream status the client gets (or already got, when the response had started). */
  readonly status: number;
  /** The value that was thrown. */
  readonly error: unknown;
}

/** RFC 9457 problem document with four29's extension members. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly kind: UpstreamErrorKind;
  readonly retryable: boolean;
  /** Seconds, as in the Retry-After header, when known and retryable. */
  readonly retryAfter?: number;
  /**
   * The incoming request's id (its `x-request-id`), when it had one: the same value the operator's
   * log record carries as `http.requestId`, so a client's report leads to its log line.
   */
  readonly requestId?: string;
  /** Caller-audience steps only. */
  readonly remediation: readonly Omit<RemediationStep, 'audience'>[];
}

export interface ProblemResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ProblemDocument;
}

export interface ProblemOptions {
  readonly policy?: StatusPolicyOption | undefined;
  readonly problemTypeBase?: string | undefined;
  /** The incoming request's id, shown as the problem's `requestId` member. */
  readonly requestId?: string | undefined;
}

export interface LogContext {
  readonly method?: string | undefined;
  /** Request path; any query string is dropped (query strings carry API keys, e.g. Gemini's `?key=`). */
  readonly path?: string | undefined;
  /** The incoming request's id (e.g. its `x-request-id` header); of a repeated header, the first. */
  readonly requestId?: string | readonly string[] | undefined;
  /** The downstream status, when it differs from the policy's (e.g. the response had already started). */
  readonly downstreamStatus?: number | undefined;
}

export type LogLevel = 'warn' | 'error';

export interface LogRecord {
  readonly level: LogLevel;
  readonly msg: string;
  readonly event: 'four29.upstream_error';
  readonly kind: UpstreamErrorKind;
  readonly provider: ProviderId;
  readonly retryable: boolean;
  readonly error: {
    readonly type: UpstreamErrorKind;
    readonly message?: string;
    readonly code?: string;
  };
  readonly upstream: {
    readonly status?: number;
    readonly code?: string;
    readonly requestId?: string;
    readonly message?: string;
  };
  readonly retryAfterMs?: number;
  readonly resetAt?: string;
  readonly limit?: {
    readonly dimension?: LimitDimension;
    readonly window?: LimitWindow;
    readonly limit?: number;
    readonly remaining?: number;
    readonly used?: number;
    readonly requested?: number;
  };
  readonly downstream: { readonly status: number };
  /** Ids of the steps an operator or billing admin should take. */
  readonly remediation: readonly string[];
  readonly http?: { readonly method?: string; readonly path?: string; readonly requestId?: string };
}
