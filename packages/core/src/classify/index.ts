import { epochMs } from '../options.js';
import { redact, redactedString } from '../redact.js';
import { remediationFor } from '../remediation/index.js';
import type { Classification, ClassifyOptions } from '../types.js';
import { readFacts } from './facts.js';
import { cleanRequestId, findUpstreamError } from './normalize.js';
import { detectProvider } from './providers.js';
import { kindFromFacts, limitFacts, retryDelayMs, upstreamCodeOf } from './rules.js';

export {
  type AnnouncedLimit,
  MAX_RETRY_DELAY_MS,
  normalizeHeaders,
  parseDurationMs,
  parseHttpDate,
  parseResetMs,
  parseRetryAfter,
  parseRetryAfterMs,
  parseRfc3339,
  type RateLimitHeaders,
  readRateLimitHeaders,
} from './headers.js';
export { MAX_CAUSE_DEPTH } from './normalize.js';

/** Header names whose value is the upstream's own request id, most specific first. */
const REQUEST_ID_HEADERS = [
  'x-request-id',
  'request-id',
  'apim-request-id',
  'x-amzn-requestid',
  'x-amz-request-id',
  'x-github-request-id',
] as const;

function nowFrom(options: ClassifyOptions | undefined): number {
  return epochMs(options?.now);
}

/**
 * Classifies a thrown value as an upstream API error, or returns `null` when it is not one (see
 * `normalize.ts` for the exact evidence required). Never throws; reads a bounded amount of any
 * input. The classification is frozen: the handler passes it to user hooks and then renders it as
 * it was built, trusting it.
 */
export function classify(thrown: unknown, options?: ClassifyOptions): Classification | null {
  const found = classifyUnredacted(thrown, options);
  return found === null ? null : withRedactedMessage(found);
}

/**
 * A classification before the upstream message is redacted and put on it, with that message
 * still raw (bounded). The handler answers most errors without logging them (log suppression
 * counts repeats), and then nobody reads the message: redacting it is a fifth of the error path.
 * `withRedactedMessage` makes the classification `classify` returns.
 */
export interface UnredactedClassification {
  readonly classification: Omit<Classification, 'upstreamMessage'>;
  readonly rawMessage: string;
}

export function classifyUnredacted(
  thrown: unknown,
  options: ClassifyOptions | undefined,
): UnredactedClassification | null {
  try {
    return classifyThrown(thrown, options);
  } catch {
    // Every foreign read is guarded; this is the last line for anything missed.
    return null;
  }
}

export function withRedactedMessage(found: UnredactedClassification): Classification {
  const message = found.rawMessage.length > 0 ? redact(found.rawMessage) : '';
  return Object.freeze(
    message.length > 0
      ? { ...found.classification, upstreamMessage: message }
      : found.classification,
  );
}

function classifyThrown(
  thrown: unknown,
  options: ClassifyOptions | undefined,
): UnredactedClassification | null {
  const info = findUpstreamError(thrown);
  if (info === null) return null;
  const now = nowFrom(options);
  const facts = readFacts(info, now);
  const provider = detectProvider(facts, options?.provider);
  const { kind, retryable } = kindFromFacts(facts, provider);
  const limits =
    kind === 'rate_limited' || kind === 'quota_exhausted' || kind === 'request_too_large'
      ? limitFacts(facts, kind)
      : undefined;
  const retryAfterMs = retryable ? retryDelayMs(facts, limits ?? {}) : undefined;
  const upstreamCode = upstreamCodeOf(facts);
  let upstreamRequestId = info.requestId;
  for (const name of REQUEST_ID_HEADERS) {
    if (upstreamRequestId !== undefined) break;
    upstreamRequestId = cleanRequestId(facts.headers.get(name));
  }
  upstreamRequestId ??= cleanRequestId(facts.bodyRequestId);

  const out: {
    -readonly [K in keyof Classification]: Classification[K];
  } = { kind, provider, retryable, remediation: remediationFor(kind, provider, upstreamCode) };
  if (retryAfterMs !== undefined) {
    out.retryAfterMs = retryAfterMs;
    out.resetAt = now + retryAfterMs;
  }
  if (limits !== undefined) {
    if (limits.dimension !== undefined) out.dimension = limits.dimension;
    if (limits.window !== undefined) out.window = limits.window;
    if (limits.limit !== undefined) out.limit = limits.limit;
    if (limits.remaining !== undefined) out.remaining = limits.remaining;
    if (limits.used !== undefined) out.used = limits.used;
    if (limits.requested !== undefined) out.requested = limits.requested;
  }
  if (info.status !== undefined) out.upstreamStatus = info.status;
  // The provider's code comes from the body: bounded and redacted like any upstream text.
  const code = redactedString(upstreamCode, 100);
  if (code !== undefined) out.upstreamCode = code;
  // An id is matched by shape only, and a key has that shape too: redacted like upstream text.
  if (upstreamRequestId !== undefined) out.upstreamRequestId = redact(upstreamRequestId);
  return { classification: out, rawMessage: facts.message };
}
