/**
 * The classification rules, most specific first. Each predicate names the provider behaviour it
 * encodes; the fixtures in @four29/fixtures hold the real responses behind them.
 */
import { NEVER_RETRYABLE_KINDS } from '../kinds.js';
import type { LimitDimension, LimitWindow, ProviderId, UpstreamErrorKind } from '../types.js';
import type { Facts } from './facts.js';
import { type AnnouncedLimit, parseDurationMs, saneDelay } from './headers.js';
import { TIMEOUT_CODES } from './timeout-codes.js';

export interface KindAndRetryable {
  readonly kind: UpstreamErrorKind;
  readonly retryable: boolean;
}

/** Codes and types that mean "no money or quota left": waiting does not help, someone must pay. */
const QUOTA_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  // OpenAI (type and code; newer billing codes share type insufficient_quota)
  'insufficient_quota',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'project_spend_limit_exceeded',
  'billing_hard_limit_reached',
  'billing_not_active',
  // Anthropic
  'billing_error',
  'enforced_spend_limit_reached',
]);

const TOO_LARGE_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'context_length_exceeded',
  'string_above_max_length',
  'request_too_large',
]);

const AUTH_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'invalid_api_key',
  'authentication_error',
  'permission_error',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'InvalidSignatureException',
  // AWS SDK: no usable credentials, so the call never got an answer.
  'CredentialsProviderError',
]);

const RATE_LIMIT_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'rate_limit_exceeded',
  'rate_limit_error',
  'RESOURCE_EXHAUSTED',
  'ThrottlingException',
  'TooManyRequestsException',
  // Bedrock: "You can resubmit your request later" (daily token quotas end up here).
  'ServiceQuotaExceededException',
]);

const OVERLOAD_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'overloaded_error',
  // Groq's flex tier: 498 `capacity_exceeded` when shared flex capacity runs out.
  'capacity_exceeded',
  'UNAVAILABLE',
  'ServiceUnavailableException',
  'ModelNotReadyException',
]);

/**
 * Contention on one object, sent as 429 but not a rate limit: Stripe's `lock_timeout` ("another API
 * request or Stripe process is currently accessing it"). Retryable like a 409; slowing the whole
 * account down would not help, and rate-limit remedies would mislead the operator.
 */
const CONTENTION_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set(['lock_timeout']);

/** A day: Azure answers "retry after 86400 seconds" when a deployment has no quota at all. */
const ZERO_QUOTA_DELAY_MS = 86_400_000;

function anyIn(f: Facts, set: ReadonlySet<string>): boolean {
  // Field by field: asked up to seven times per error, so no array per question.
  return (
    (f.detailsCode !== undefined && set.has(f.detailsCode)) ||
    (f.reason !== undefined && set.has(f.reason)) ||
    (f.awsName !== undefined && set.has(f.awsName)) ||
    (f.code !== undefined && set.has(f.code)) ||
    (f.type !== undefined && set.has(f.type)) ||
    (f.rpcStatus !== undefined && set.has(f.rpcStatus))
  );
}

/** A count as providers print it: `50000` or `50,000`. */
const N = String.raw`(\d{1,3}(?:,\d{3})+|\d{1,15})`;
// "Limit 50000, Used 47949, Requested 3006" (OpenAI, Groq). Capital L: "rate limit of …" is prose.
const LIMIT_TRIPLE_RE = /* @__PURE__ */ new RegExp(
  String.raw`\bLimit:?\s*${N}(?:,\s*Used:?\s*${N})?(?:,\s*Requested:?\s*${N})?`,
);
// Anthropic: "prompt is too long: 210425 tokens > 200000 maximum"
const PROMPT_TOO_LONG_RE = /* @__PURE__ */ new RegExp(
  String.raw`prompt is too long:\s*${N}\s*tokens\s*>\s*${N}\s*maximum`,
  'i',
);
// Gemini: "The input token count (1056843) exceeds the maximum number of tokens allowed (1048576)."
const INPUT_TOKEN_COUNT_RE = /* @__PURE__ */ new RegExp(
  String.raw`input token count \(?${N}\)? exceeds the maximum number of tokens allowed \(?${N}\)?`,
  'i',
);
// OpenAI: "maximum context length is 128000 tokens. However, your messages resulted in 130415 tokens."
const CONTEXT_LENGTH_RE = /* @__PURE__ */ new RegExp(
  String.raw`maximum context length is ${N} tokens\b[\s\S]{0,200}?\b(?:resulted in|requested) ${N} tokens`,
  'i',
);
// Anthropic: "of 20,000 input tokens per minute"
const ANTHROPIC_LIMIT_RE = /* @__PURE__ */ new RegExp(
  String.raw`\bof ${N} (input tokens|output tokens|tokens|requests) per (minute|hour|day)\b`,
  'i',
);
// Gemini: "* Quota exceeded for metric: …, limit: 10, model: …"
const GEMINI_LIMIT_RE = /* @__PURE__ */ new RegExp(String.raw`\blimit:\s*${N}(?![\d.])`);
// Mistral: "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length"
const PROMPT_CONTAINS_RE = /* @__PURE__ */ new RegExp(
  String.raw`Prompt contains ${N} tokens\b[^.]{0,80}?too large for model with ${N} maximum context length`,
  'i',
);
// Text Generation Inference (Together, Hugging Face): "`inputs` tokens + `max_new_tokens` must be <= 8193"
const TGI_LIMIT_RE = /* @__PURE__ */ new RegExp(
  String.raw`tokens \+ \`?max_new_tokens\`? must be <= ${N}`,
  'i',
);
// Message patterns, compiled once: a regex literal inside a function is a new object per call.
const TOO_LONG_WORDS_RE =
  /maximum context length|context window|input is too long|prompt is too long|\btoo many tokens(?::|\s+in (?:the )?(?:prompt|request|input|messages)\b)/i;
/**
 * Caps that reset monthly or never: trial call allowances (Cohere "limited to 1000 API calls /
 * month"), monthly spending limits and used-up credits (xAI). Sent as 429 (xAI also 403) like any
 * rate limit, but no retry within a request's lifetime gets past them.
 */
const CAP_WORDS_RE =
  /\b(?:calls?|requests?|tokens?)\s*(?:\/|per)\s*month\b|\bmonthly (?:spend(?:ing)? limit|usage limit|limit|quota|budget)\b|\bused all (?:available|of (?:your|its)) credits\b|\b(?:prepaid|trial) credits? (?:are |have been )?(?:exhausted|used up|depleted)\b/i;
/**
 * Capacity, not a limit of the caller's: Mistral "Service tier capacity exceeded for this model"
 * (429 or 503), Groq "capacity exceeded" (498), "no capacity available for model".
 */
const CAPACITY_RE =
  /\bcapacity exceeded\b|\bno capacity available\b|\bis (?:currently )?at capacity\b/i;
const RETRY_IN_GO_RE =
  /\b(?:try again|retry) (?:in|after) ((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)(?![A-Za-z])/i;
const RETRY_IN_WORDS_RE =
  /\b(?:try again|retry) (?:in|after) (\d{1,12}(?:\.\d{1,9})?)\s*(milliseconds?|ms|seconds?|secs?|minutes?|mins?|hours?)\b/i;
const CREDIT_TOO_LOW_RE = /credit balance is too low/i;
const ZERO_LIMIT_RE = /\blimit:\s*0(?!\d|[.,]\d)/;
const REQUEST_TOO_LARGE_RE = /\brequest too large\b/i;
const GITHUB_LIMIT_WORDS_RE = /\brate limit|abuse detection/i;
const ON_PER_RE = /\bon ([a-z]+(?: [a-z]+)?) per (sec|second|min|minute|hour|day|month)\b/i;
const UNIT_RE = /\(([TRI])P([SMHD])\)/;
const AZURE_TOKEN_LIMIT_RE = /\btoken rate limit\b/i;
const AZURE_CALL_LIMIT_RE = /\bcall rate limit\b/i;
const BEDROCK_TOO_MANY_RE = /\bToo many (tokens|requests)\b/;
const PER_WINDOW_RE = /\bper (minute|day|hour)\b/i;
const OPENROUTER_FREE_RE = /\bfree-models-per-(day|min)\b/i;

function parseCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.includes(',') ? text.replaceAll(',', '') : text);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

interface Triple {
  limit?: number;
  used?: number;
  requested?: number;
}

const NO_TRIPLE: Readonly<Triple> = /* @__PURE__ */ Object.freeze({});

function readTriple(message: string): Readonly<Triple> {
  const m = LIMIT_TRIPLE_RE.exec(message);
  if (m === null) return NO_TRIPLE;
  const out: Triple = {};
  const limit = parseCount(m[1]);
  const used = parseCount(m[2]);
  const requested = parseCount(m[3]);
  if (limit !== undefined) out.limit = limit;
  if (used !== undefined) out.used = used;
  if (requested !== undefined) out.requested = requested;
  return out;
}

/** Read once per error: both the too-large rule and the limit facts need it. */
function limitTriple(f: Facts): Readonly<Triple> {
  f.messageCounts.parsed ??= readTriple(f.message);
  return f.messageCounts.parsed;
}

interface SizeFacts {
  readonly dimension: LimitDimension;
  readonly limit?: number;
  readonly requested?: number;
}

/** Messages that say the request itself is bigger than any limit allows. */
function sizeFacts(message: string): SizeFacts | undefined {
  let m = PROMPT_TOO_LONG_RE.exec(message);
  if (m !== null) return sized('input_tokens', m[2], m[1]);
  m = INPUT_TOKEN_COUNT_RE.exec(message);
  if (m !== null) return sized('input_tokens', m[2], m[1]);
  m = CONTEXT_LENGTH_RE.exec(message);
  if (m !== null) return sized('tokens', m[1], m[2]);
  m = PROMPT_CONTAINS_RE.exec(message);
  if (m !== null) return sized('input_tokens', m[2], m[1]);
  m = TGI_LIMIT_RE.exec(message);
  if (m !== null) return sized('tokens', m[1]);
  if (TOO_LONG_WORDS_RE.test(message)) return { dimension: 'tokens' };
  return undefined;
}

function sized(dimension: LimitDimension, limit?: string, requested?: string): SizeFacts {
  const l = parseCount(limit);
  const r = parseCount(requested);
  return {
    dimension,
    ...(l !== undefined ? { limit: l } : {}),
    ...(r !== undefined ? { requested: r } : {}),
  };
}

/** Go duration or "N seconds" after "try again in" / "retry in" / "retry after" in a message. */
export function messageRetryMs(message: string): number | undefined {
  const go = RETRY_IN_GO_RE.exec(message);
  if (go !== null) return parseDurationMs(go[1]);
  const words = RETRY_IN_WORDS_RE.exec(message);
  if (words === null) return undefined;
  const n = Number(words[1]);
  const unit = (words[2] ?? '').toLowerCase();
  const scale =
    unit.startsWith('ms') || unit.startsWith('milli')
      ? 1
      : unit.startsWith('min')
        ? 60_000
        : unit.startsWith('hour')
          ? 3_600_000
          : 1000;
  const ms = n * scale;
  return Number.isFinite(ms) ? ms : undefined;
}

/** What the upstream said about when to retry, before looking at reset headers. */
export function hintedDelayMs(f: Facts): number | undefined {
  return f.rate.retryAfterMs ?? saneDelay(f.retryInfoMs) ?? saneDelay(messageRetryMs(f.message));
}

function isQuotaExhausted(f: Facts, provider: ProviderId, status: number | undefined): boolean {
  if (anyIn(f, QUOTA_CODES)) return true;
  if (status === 402) return true;
  if (CREDIT_TOO_LOW_RE.test(f.message)) return true;
  if (
    (status === undefined || status === 400 || status === 403 || status === 429) &&
    CAP_WORDS_RE.test(f.message)
  )
    return true;
  // Gemini: a quota whose limit is 0 will never pass on this tier, whatever the window.
  if (f.rpcStatus === 'RESOURCE_EXHAUSTED' || provider === 'google') {
    if (f.violations.some((v) => v.quotaValue === 0)) return true;
    if (ZERO_LIMIT_RE.test(f.message)) return true;
  }
  // Azure: a deployment without TPM quota is told to come back in a day. No request waits that
  // long, and no limit resets: someone has to assign quota.
  if (provider === 'azure-openai' && status === 429) {
    const delay = hintedDelayMs(f);
    if (delay !== undefined && delay >= ZERO_QUOTA_DELAY_MS) return true;
  }
  return false;
}

function isRequestTooLarge(f: Facts, status: number | undefined): boolean {
  if (status === 413) return true;
  if (status !== undefined && status !== 400 && status !== 422 && status !== 429) return false;
  if (anyIn(f, TOO_LARGE_CODES)) return true;
  if (REQUEST_TOO_LARGE_RE.test(f.message)) return true;
  // Groq sends the ordinary rate-limit template with Requested above the whole Limit.
  const t = limitTriple(f);
  if (t.limit !== undefined && t.requested !== undefined && t.requested > t.limit) return true;
  return status !== 429 && sizeFacts(f.message) !== undefined;
}

const OVERLOAD_MESSAGE =
  /\b(?:engine|model|server|service|system) is (?:currently )?overloaded\b|^overloaded\.?$/i;

function isOverloaded(f: Facts, provider: ProviderId, status: number | undefined): boolean {
  if (status === 529 || anyIn(f, OVERLOAD_CODES)) return true;
  if (
    (status === undefined || status === 429 || status === 498 || status >= 500) &&
    (OVERLOAD_MESSAGE.test(f.message) || CAPACITY_RE.test(f.message))
  )
    return true;
  // 503 from an LLM provider is capacity; from an arbitrary API it is just "unavailable".
  return status === 503 && provider !== 'generic';
}

function zeroRemaining(f: Facts, dimensionless: boolean): boolean {
  return f.rate.limits.some(
    (b) => b.remaining === 0 && (!dimensionless || b.dimension === undefined),
  );
}

function isRateLimited(f: Facts, status: number | undefined): boolean {
  if (status === 429 || anyIn(f, RATE_LIMIT_CODES)) return true;
  if (status === 403) {
    // GitHub: primary limit as 403 with x-ratelimit-remaining: 0; secondary limit as 403 with a
    // message and usually retry-after.
    if (zeroRemaining(f, true)) return true;
    if (f.rate.retryAfterMs !== undefined) return true;
    if (GITHUB_LIMIT_WORDS_RE.test(f.message)) return true;
  }
  return false;
}

function isAuth(f: Facts, status: number | undefined): boolean {
  if (status === 401 || status === 403) return true;
  if (anyIn(f, AUTH_CODES)) return true;
  return f.reason?.startsWith('API_KEY_') === true;
}

function isTimeout(f: Facts, status: number | undefined): boolean {
  // 522/524: Cloudflare's origin connect / read timeouts.
  if (status === 408 || status === 504 || status === 522 || status === 524) return true;
  return anyIn(f, TIMEOUT_CODES);
}

/**
 * The kind, in order: quota (never retry) before too-large (never retry) before overload before
 * lock contention before rate limit, because providers send all five as 429. Then auth, timeouts,
 * and the rest by status: 5xx and 409 are retryable (openai-node and @anthropic-ai/sdk retry 409: it
 * is lock contention on their side), other 4xx are not.
 */
export function kindFromFacts(f: Facts, provider: ProviderId): KindAndRetryable {
  const origin = f.info.origin;
  if (origin === 'timeout') return kindResult('upstream_timeout');
  if (origin === 'network') return kindResult('upstream_error');
  const status = f.status;
  if (isQuotaExhausted(f, provider, status)) return kindResult('quota_exhausted');
  if (isRequestTooLarge(f, status)) return kindResult('request_too_large');
  if (isOverloaded(f, provider, status)) return kindResult('overloaded');
  if (anyIn(f, CONTENTION_CODES)) return kindResult('upstream_error');
  if (isRateLimited(f, status)) return kindResult('rate_limited');
  if (isAuth(f, status)) return kindResult('upstream_auth');
  if (isTimeout(f, status)) return kindResult('upstream_timeout');
  return kindResult('upstream_error', status === undefined || status >= 500 || status === 409);
}

/** Retryable unless the status says otherwise, and never for the kinds no wait can fix. */
function kindResult(kind: UpstreamErrorKind, retryable = true): KindAndRetryable {
  return { kind, retryable: retryable && !NEVER_RETRYABLE_KINDS.has(kind) };
}

/** Working record: fields may be explicitly undefined here; classify() copies only defined ones. */
export interface LimitFacts {
  dimension?: LimitDimension | undefined;
  window?: LimitWindow | undefined;
  limit?: number | undefined;
  remaining?: number | undefined;
  used?: number | undefined;
  requested?: number | undefined;
  /** The announced limit the other fields were completed from. */
  announced?: AnnouncedLimit | undefined;
}

const WINDOW_WORDS: Readonly<Record<string, LimitWindow>> = {
  sec: 'second',
  second: 'second',
  min: 'minute',
  minute: 'minute',
  hour: 'hour',
  day: 'day',
  month: 'month',
};

const UNIT_DIMENSION: Readonly<Record<string, LimitDimension>> = {
  T: 'tokens',
  R: 'requests',
  I: 'images',
};
const UNIT_WINDOW: Readonly<Record<string, LimitWindow>> = {
  S: 'second',
  M: 'minute',
  H: 'hour',
  D: 'day',
};

function dimensionFromWords(words: string): LimitDimension | undefined {
  const w = words.trim().toLowerCase().replace(/\s+/g, ' ');
  if (w === 'tokens' || w === 'token') return 'tokens';
  if (w === 'requests' || w === 'request') return 'requests';
  if (w === 'images' || w === 'image') return 'images';
  if (w === 'input tokens') return 'input_tokens';
  if (w === 'output tokens') return 'output_tokens';
  if (/^[a-z]+(?: [a-z]+)?$/.test(w)) return w.replace(' ', '_');
  return undefined;
}

function fromQuotaId(id: string): { dimension?: LimitDimension; window?: LimitWindow } {
  const window: LimitWindow | undefined = /PerMinute/i.test(id)
    ? 'minute'
    : /PerDay/i.test(id)
      ? 'day'
      : /PerHour/i.test(id)
        ? 'hour'
        : /PerSecond/i.test(id)
          ? 'second'
          : undefined;
  const dimension: LimitDimension | undefined = /input_?tokens?|input_token/i.test(id)
    ? 'input_tokens'
    : /output_?tokens?|output_token/i.test(id)
      ? 'output_tokens'
      : /tokens?/i.test(id)
        ? 'tokens'
        : /requests?/i.test(id)
          ? 'requests'
          : undefined;
  return {
    ...(dimension !== undefined ? { dimension } : {}),
    ...(window !== undefined ? { window } : {}),
  };
}

/** Dimension, window and numbers the body states. */
function bodyLimits(f: Facts, kind: UpstreamErrorKind): LimitFacts {
  const out: LimitFacts = {};
  const msg = f.message;
  // OpenAI / Groq: "on tokens per min (TPM): Limit 50000, Used 47949, Requested 3006"
  const per = ON_PER_RE.exec(msg);
  if (per !== null) {
    const d = dimensionFromWords(per[1] ?? '');
    if (d !== undefined) out.dimension = d;
    out.window = WINDOW_WORDS[(per[2] ?? '').toLowerCase()];
  } else {
    const unit = UNIT_RE.exec(msg);
    if (unit !== null) {
      out.dimension = UNIT_DIMENSION[unit[1] ?? ''];
      out.window = UNIT_WINDOW[unit[2] ?? ''];
    }
  }
  const triple = limitTriple(f);
  if (triple.limit !== undefined) out.limit = triple.limit;
  if (triple.used !== undefined) out.used = triple.used;
  if (triple.requested !== undefined) out.requested = triple.requested;
  const anthropic = ANTHROPIC_LIMIT_RE.exec(msg);
  if (anthropic !== null) {
    const limit = parseCount(anthropic[1]);
    if (limit !== undefined) out.limit = limit;
    out.dimension = dimensionFromWords(anthropic[2] ?? '');
    out.window = WINDOW_WORDS[(anthropic[3] ?? '').toLowerCase()];
  }
  // Azure: "exceeded token rate limit" / "exceeded the call rate limit"
  if (out.dimension === undefined) {
    if (AZURE_TOKEN_LIMIT_RE.test(msg)) out.dimension = 'tokens';
    else if (AZURE_CALL_LIMIT_RE.test(msg)) out.dimension = 'requests';
  }
  // Gemini: QuotaFailure violations carry the window and dimension in quotaId.
  const violation = f.violations[0];
  if (violation !== undefined) {
    const q = fromQuotaId(violation.quotaId ?? violation.quotaMetric ?? '');
    if (q.dimension !== undefined) out.dimension = q.dimension;
    if (q.window !== undefined) out.window = q.window;
    const zero = f.violations.find((v) => v.quotaValue === 0);
    const value = zero?.quotaValue ?? violation.quotaValue;
    if (value !== undefined) out.limit = value;
  }
  if (out.limit === undefined && (f.rpcStatus !== undefined || f.violations.length > 0)) {
    const m = GEMINI_LIMIT_RE.exec(msg);
    const limit = parseCount(m?.[1]);
    if (limit !== undefined) out.limit = limit;
  }
  // Bedrock: "Too many tokens, please wait" / "Too many requests, please wait"
  if (out.dimension === undefined) {
    // Case-sensitive: the HTTP reason phrase "Too Many Requests" says nothing about a dimension.
    const bedrock = BEDROCK_TOO_MANY_RE.exec(msg);
    if (bedrock !== null) out.dimension = dimensionFromWords(bedrock[1] ?? '');
    if (out.window === undefined && bedrock !== null) {
      const w = PER_WINDOW_RE.exec(msg);
      if (w !== null) out.window = WINDOW_WORDS[(w[1] ?? '').toLowerCase()];
    }
  }
  // OpenRouter: "Rate limit exceeded: free-models-per-day" / "free-models-per-min"
  const openrouter = OPENROUTER_FREE_RE.exec(msg);
  if (openrouter !== null) {
    out.dimension = 'requests';
    out.window = openrouter[1]?.toLowerCase() === 'day' ? 'day' : 'minute';
  }
  if (
    out.dimension === undefined &&
    (f.type === 'tokens' || f.type === 'requests' || f.type === 'images')
  )
    out.dimension = f.type;
  if (kind === 'request_too_large') {
    const size = sizeFacts(msg);
    if (size !== undefined) {
      out.dimension = out.dimension ?? size.dimension;
      if (size.limit !== undefined) out.limit = size.limit;
      if (size.requested !== undefined) out.requested = size.requested;
    }
  }
  return out;
}

const SPECIFICITY = (b: AnnouncedLimit): number =>
  b.dimension === undefined ? 2 : b.dimension === 'tokens' ? 1 : 0;

/** The announced limit describing the exhausted one. */
function chooseLimit(
  announced: readonly AnnouncedLimit[],
  dimension: LimitDimension | undefined,
): AnnouncedLimit | undefined {
  if (announced.length === 0) return undefined;
  if (dimension !== undefined) {
    const exact = announced.find((b) => b.dimension === dimension);
    if (exact !== undefined) return exact;
    // Only dimensionless limits (GitHub-style, OpenRouter's metadata, IETF): they describe it.
    if (announced.some((b) => b.dimension !== undefined)) return undefined;
  }
  const exhausted = announced.filter((b) => b.remaining === 0);
  if (exhausted.length > 0) {
    return [...exhausted].sort((a, b) => SPECIFICITY(a) - SPECIFICITY(b))[0];
  }
  const dimensionless = announced.filter((b) => b.dimension === undefined);
  return dimensionless.length === 1 ? dimensionless[0] : undefined;
}

export function limitFacts(f: Facts, kind: UpstreamErrorKind): LimitFacts {
  const out = bodyLimits(f, kind);
  const announced = chooseLimit(f.rate.limits, out.dimension);
  if (announced !== undefined) {
    out.announced = announced;
    if (out.dimension === undefined && announced.dimension !== undefined)
      out.dimension = announced.dimension;
    if (out.window === undefined && announced.window !== undefined) out.window = announced.window;
    if (out.limit === undefined && announced.limit !== undefined) out.limit = announced.limit;
    if (out.used === undefined && announced.used !== undefined) out.used = announced.used;
    if (announced.remaining !== undefined) out.remaining = announced.remaining;
  }
  return out;
}

/**
 * Retry delay, by precedence:
 * 1. `retry-after-ms` (ms), then `retry-after` (seconds or HTTP-date): the upstream's explicit answer;
 * 2. body hints: Gemini `RetryInfo.retryDelay`, then the message ("Please try again in 1.146s",
 *    "Please retry after 33 seconds", "Please retry in 47.884324799s");
 * 3. the reset of the exhausted limit the headers announce (OpenAI/Groq Go durations, Azure seconds,
 *    Anthropic RFC 3339, GitHub epoch seconds, OpenRouter epoch ms, IETF `t`).
 * Each candidate must be finite, ≥ 0 and ≤ 30 days, or the next one is tried. Rounded up to whole
 * ms so a client never retries early.
 */
export function retryDelayMs(f: Facts, limits: LimitFacts): number | undefined {
  const ms = hintedDelayMs(f) ?? saneDelay(limits.announced?.resetAfterMs);
  return ms === undefined ? undefined : Math.ceil(ms);
}

/**
 * The provider's own most specific code: Anthropic details code, Google reason, AWS name, Google
 * RPC status, code, type; for network failures the system code (`ECONNREFUSED`).
 */
export function upstreamCodeOf(f: Facts): string | undefined {
  return (
    f.detailsCode ?? f.reason ?? f.awsName ?? f.rpcStatus ?? f.code ?? f.type ?? f.info.networkCode
  );
}
