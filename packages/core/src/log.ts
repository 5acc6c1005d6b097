import { guardClassification } from './classification-guard.js';
import { get, isArray } from './classify/safe.js';
import { httpStatus } from './http-status.js';
import { normalizeKind } from './kinds.js';
import { resolvePolicy } from './problem.js';
import { redact, redactedString } from './redact.js';
import type {
  Classification,
  Four29Logger,
  LogContext,
  LogLevel,
  LogRecord,
  ProblemOptions,
  RedactionOptions,
  StatusPolicy,
  StatusPolicyOption,
  SuppressionKey,
  UpstreamErrorKind,
} from './types.js';
import { withoutQuery } from './url.js';

/**
 * `error` when a human must act before the request can succeed (quota, credentials, a request the
 * upstream will never accept); `warn` for what passes by itself or is the caller's to fix.
 */
export function logLevelFor(c: Classification): LogLevel {
  const kind = normalizeKind(c.kind);
  if (kind === 'quota_exhausted' || kind === 'upstream_auth') return 'error';
  if (kind === 'upstream_error' && c.retryable !== true) return 'error';
  return 'warn';
}

export interface LogRecordOptions extends ProblemOptions {
  readonly redaction?: RedactionOptions | undefined;
}

/** What a log record is built with; the handler works it out once, when it is created. */
export interface LogSettings {
  readonly policy: StatusPolicy;
  /** Only when the user gave patterns of their own: the built-in ones already ran in `classify`. */
  readonly redaction?: RedactionOptions | undefined;
}

/** Bounds the work per logged error (each pattern runs over every string) and a Proxy's length. */
const MAX_PATTERNS = 1000;

/**
 * The user's redaction options, copied and checked: an array of RegExp-like patterns (a RegExp
 * from another realm fails instanceof, so the check is structural) and a string replacement.
 * Undefined when there are no patterns: the built-in ones are applied anyway.
 */
export function redactionSettings(
  value: unknown,
  report?: (problem: string) => void,
): RedactionOptions | undefined {
  if (value === undefined) return undefined;
  const patterns = get(value, 'patterns');
  const replacement = get(value, 'replacement');
  if (replacement !== undefined && typeof replacement !== 'string')
    report?.('redaction.replacement: expected a string; using [REDACTED]');
  if (patterns === undefined) return undefined;
  if (!isArray(patterns)) {
    report?.('redaction.patterns: expected an array of regular expressions; ignored');
    return undefined;
  }
  // Copied entry by entry through the guarded reader: the user's array may be a Proxy or have
  // throwing getters, and from here on the handler trusts the plain array it built.
  const length = get(patterns, 'length');
  const total = typeof length === 'number' ? Math.min(length, MAX_PATTERNS) : 0;
  if (typeof length === 'number' && length > MAX_PATTERNS)
    report?.(`redaction.patterns: only the first ${MAX_PATTERNS} are used`);
  const checked: RegExp[] = [];
  for (let i = 0; i < total; i++) {
    const re = get(patterns, i);
    if (typeof get(re, 'source') === 'string' && typeof get(re, 'flags') === 'string')
      checked.push(re as RegExp);
  }
  if (checked.length < total)
    report?.('redaction.patterns: entries that are not regular expressions are ignored');
  if (checked.length === 0) return undefined;
  return typeof replacement === 'string'
    ? { patterns: checked, replacement }
    : { patterns: checked };
}

/** A string the classifier already redacted, with the user's own patterns applied too. */
function userRedacted(value: string | undefined, settings: LogSettings): string | undefined {
  return value === undefined || settings.redaction === undefined
    ? value
    : redact(value, settings.redaction) || undefined;
}

/** A request context after {@link guardLogContext}: one request id, every string redacted. */
export interface GuardedLogContext extends LogContext {
  readonly requestId?: string | undefined;
}

/**
 * What the log record reads of the request, copied at the handler's boundary: read once (a getter
 * must not say one thing now and another later), redacted (paths can hold keys: `/keys/sk-…`),
 * and without the query string (Gemini's `?key=`).
 */
export function guardLogContext(value: unknown, redaction?: RedactionOptions): GuardedLogContext {
  if (typeof value !== 'object' || value === null) return {};
  const requestId = get(value, 'requestId');
  const path = get(value, 'path');
  return {
    method: redactedString(get(value, 'method'), 16, redaction),
    path:
      typeof path === 'string' ? redactedString(withoutQuery(path), 1000, redaction) : undefined,
    requestId: redactedString(isArray(requestId) ? get(requestId, 0) : requestId, 200, redaction),
    downstreamStatus: httpStatus(get(value, 'downstreamStatus')),
  };
}

/**
 * The fields of the record {@link buildLogRecord} would build that log suppression compares,
 * without building it: in a storm, repeats are only counted, so their records need not exist.
 */
export function logKeyOf(
  c: Classification,
  settings: LogSettings,
): SuppressionKey & { readonly kind: UpstreamErrorKind } {
  return {
    level: logLevelFor(c),
    kind: c.kind,
    provider: c.provider,
    status: c.upstreamStatus,
    code: userRedacted(c.upstreamCode, settings),
  };
}

/** `obj` with the members whose value is undefined left out (JSON would drop them anyway). */
function defined<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const key in obj) if (obj[key] !== undefined) out[key] = obj[key];
  return out as T;
}

/**
 * The structured record for a classification four29 built (or guarded) and a guarded request
 * context: trusted, so nothing is checked again. Holds no key, token or account id.
 */
export function buildLogRecord(
  c: Classification,
  context: GuardedLogContext,
  settings: LogSettings,
): LogRecord {
  const { level, kind, provider, code, status } = logKeyOf(c, settings);
  const downstreamStatus = context.downstreamStatus ?? settings.policy[kind];
  const message = userRedacted(c.upstreamMessage, settings);
  const limit = defined({
    dimension: c.dimension,
    window: c.window,
    limit: c.limit,
    remaining: c.remaining,
    used: c.used,
    requested: c.requested,
  });
  const http = defined({
    method: context.method,
    path: context.path,
    requestId: context.requestId,
  });
  const remediation: string[] = [];
  for (const step of c.remediation.steps) if (step.audience !== 'caller') remediation.push(step.id);
  return defined({
    level,
    msg: `upstream ${kind}: ${provider} answered ${status ?? 'no response'}${code !== undefined ? ` (${code})` : ''}, responded ${downstreamStatus}`,
    event: 'four29.upstream_error' as const,
    kind,
    provider,
    retryable: c.retryable,
    error: defined({ type: kind, message, code }),
    upstream: defined({
      status,
      code,
      requestId: userRedacted(c.upstreamRequestId, settings),
      message,
    }),
    retryAfterMs: c.retryAfterMs,
    resetAt:
      c.resetAt !== undefined && Math.abs(c.resetAt) < 8.64e15
        ? new Date(c.resetAt).toISOString()
        : undefined,
    limit: Object.keys(limit).length > 0 ? limit : undefined,
    downstream: { status: downstreamStatus },
    remediation,
    http: Object.keys(http).length > 0 ? http : undefined,
  }) as LogRecord;
}

/**
 * The structured record for one handled upstream error, from any classification, hand-built ones
 * included: every string from the upstream or the request is redacted. Never throws.
 */
export function toLogRecord(
  c: Classification,
  context?: LogContext,
  options?: LogRecordOptions,
): LogRecord {
  const redaction = redactionSettings(get(options, 'redaction'));
  return buildLogRecord(guardClassification(c), guardLogContext(context, redaction), {
    policy: resolvePolicy(get(options, 'policy') as StatusPolicyOption | undefined),
    redaction,
  });
}

/**
 * Sends one record's fields to a logger at `level`. Never throws: a broken logger must not turn a
 * handled upstream error into a crash, nor break a timer callback.
 */
export function emitLog(
  logger: Four29Logger,
  level: LogLevel,
  fields: Record<string, unknown>,
  msg: string | undefined,
): void {
  try {
    if (level === 'error') logger.error(fields, msg);
    else logger.warn(fields, msg);
  } catch {
    // Ignored on purpose, see above.
  }
}

/** The default logger: one JSON line per record, on the console stream matching its level. */
export const consoleLogger: Four29Logger = {
  warn(obj, msg) {
    console.warn(JSON.stringify({ level: 'warn', msg, ...obj }));
  },
  error(obj, msg) {
    console.error(JSON.stringify({ level: 'error', msg, ...obj }));
  },
};
