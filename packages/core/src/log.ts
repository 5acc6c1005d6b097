import { normalizeKind } from './kinds.js';
import { resolvePolicy } from './problem.js';
import { MAX_MESSAGE_LENGTH, redact, redactedString } from './redact.js';
import type {
  Classification,
  Four29Logger,
  LimitWindow,
  LogContext,
  LogLevel,
  LogRecord,
  ProblemOptions,
  RedactionOptions,
  SuppressionKey,
  UpstreamErrorKind,
} from './types.js';
import { isVettedMessage, perStep } from './vetted.js';

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

function stripQuery(path: unknown, redaction?: RedactionOptions): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return undefined;
  const cut = path.search(/[?#]/);
  const bare = cut === -1 ? path : path.slice(0, cut);
  // Path segments can hold keys too (`/keys/sk-…`); redact bounds the length as well.
  return bare.length > 0 ? redact(bare, redaction) : undefined;
}

/** Numbers that JSON can carry faithfully: NaN and Infinity would serialize as null. */
function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function nonNegative(value: unknown): number | undefined {
  const n = finite(value);
  return n !== undefined && n >= 0 ? n : undefined;
}

function httpStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

function firstOf(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function compact<T extends Record<string, unknown>>(obj: T): T {
  for (const key of Object.keys(obj)) if (obj[key] === undefined) delete obj[key];
  return obj;
}

const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** The id a log record shows for one step, or null when it shows none. */
function operatorStepId(s: object): string | null {
  const { id, audience } = s as { id?: unknown; audience?: unknown };
  if (audience === 'caller' || typeof id !== 'string' || !STEP_ID.test(id)) return null;
  // An id is a label, never data: one that looks like a secret is dropped, not logged.
  return redact(id) === id ? id : null;
}

/** Catalogue steps are checked once (see perStep). */
const catalogueIds = /* @__PURE__ */ new WeakMap<object, string | null>();

function operatorStepIds(c: Classification): string[] {
  const steps: unknown = c.remediation?.steps;
  if (!Array.isArray(steps)) return [];
  const ids: string[] = [];
  for (const s of steps as readonly unknown[]) {
    if (ids.length >= 50) break;
    if (typeof s !== 'object' || s === null) continue;
    const id = perStep(catalogueIds, s, operatorStepId);
    if (id !== null) ids.push(id);
  }
  return ids;
}

export interface LogRecordOptions extends ProblemOptions {
  readonly redaction?: RedactionOptions | undefined;
}

/**
 * The fields of the record {@link toLogRecord} would build that log suppression compares, without
 * building it: in a storm, repeats are only counted, so their records need not exist.
 */
export function logKeyOf(
  c: Classification,
  options?: LogRecordOptions,
): SuppressionKey & { readonly kind: UpstreamErrorKind } {
  const redaction = options?.redaction;
  return {
    level: logLevelFor(c),
    kind: normalizeKind(c.kind),
    provider: redactedString(c.provider, 64, redaction) ?? 'generic',
    status: httpStatus(c.upstreamStatus),
    code: redactedString(c.upstreamCode, 100, redaction),
  };
}

/**
 * The structured record for one handled upstream error. Holds no key, token or account id: every
 * string from the upstream or the request is redacted here, in case the classification was built
 * by hand. Never throws for a Classification.
 */
export function toLogRecord(
  c: Classification,
  context?: LogContext,
  options?: LogRecordOptions,
): LogRecord {
  const key = logKeyOf(c, options);
  const { level, kind, provider } = key;
  const redaction = options?.redaction;
  const downstreamStatus =
    httpStatus(context?.downstreamStatus) ?? resolvePolicy(options?.policy)[kind];
  // redact() itself bounds the message to MAX_MESSAGE_LENGTH. The message classify() redacted is
  // not redacted again unless there are extra patterns to apply.
  // Read once: a getter must not pass the check with one string and be logged with another.
  const raw: unknown = c.upstreamMessage;
  const message =
    redaction?.patterns === undefined && isVettedMessage(c, raw)
      ? (raw as string)
      : redactedString(raw, MAX_MESSAGE_LENGTH + 1, redaction);
  // The suppression key's fields, from one place: log suppression compares them.
  const { code, status: upstreamStatus } = key;
  const limit = compact({
    dimension: redactedString(c.dimension, 32, redaction),
    window: redactedString(c.window, 16, redaction) as LimitWindow | undefined,
    limit: nonNegative(c.limit),
    remaining: finite(c.remaining),
    used: nonNegative(c.used),
    requested: nonNegative(c.requested),
  });
  const http = compact({
    method: redactedString(context?.method, 16, redaction),
    path: stripQuery(context?.path, redaction),
    requestId: redactedString(firstOf(context?.requestId), 200, redaction),
  });
  const resetAt = finite(c.resetAt);
  const record = compact({
    level,
    msg: `upstream ${kind}: ${provider} answered ${upstreamStatus ?? 'no response'}${code !== undefined ? ` (${code})` : ''}, responded ${downstreamStatus}`,
    event: 'four29.upstream_error' as const,
    kind,
    provider,
    retryable: c.retryable === true,
    error: compact({ type: kind, message, code }),
    upstream: compact({
      status: upstreamStatus,
      code,
      requestId: redactedString(c.upstreamRequestId, 200, redaction),
      message,
    }),
    retryAfterMs: nonNegative(c.retryAfterMs),
    resetAt:
      resetAt !== undefined && Math.abs(resetAt) < 8.64e15
        ? new Date(resetAt).toISOString()
        : undefined,
    limit: Object.keys(limit).length > 0 ? limit : undefined,
    downstream: { status: downstreamStatus },
    remediation: operatorStepIds(c),
    http: Object.keys(http).length > 0 ? http : undefined,
  });
  return record as LogRecord;
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
