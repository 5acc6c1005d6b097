import { resolvePolicy } from './problem.js';
import { redact } from './redact.js';
import type {
  Classification,
  Four29Logger,
  LogContext,
  LogLevel,
  LogRecord,
  ProblemOptions,
  RedactionOptions,
} from './types.js';

/**
 * `error` when a human must act before the request can succeed (quota, credentials, a request the
 * upstream will never accept); `warn` for what passes by itself or is the caller's to fix.
 */
export function logLevelFor(c: Classification): LogLevel {
  if (c.kind === 'quota_exhausted' || c.kind === 'upstream_auth') return 'error';
  if (c.kind === 'upstream_error' && !c.retryable) return 'error';
  return 'warn';
}

function stripQuery(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return undefined;
  const cut = path.search(/[?#]/);
  const bare = cut === -1 ? path : path.slice(0, cut);
  return bare.length > 2048 ? bare.slice(0, 2048) : bare;
}

function shortString(value: unknown, max = 200): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  return redact(value.length > max ? value.slice(0, max) : value);
}

function compact<T extends Record<string, unknown>>(obj: T): T {
  for (const key of Object.keys(obj)) if (obj[key] === undefined) delete obj[key];
  return obj;
}

export interface LogRecordOptions extends ProblemOptions {
  readonly redaction?: RedactionOptions;
}

/**
 * The structured record for one handled upstream error. Holds no key, token or account id: the
 * upstream message is redacted again here in case the classification was built by hand.
 */
export function toLogRecord(
  c: Classification,
  context?: LogContext,
  options?: LogRecordOptions,
): LogRecord {
  const level = logLevelFor(c);
  const downstreamStatus =
    typeof context?.downstreamStatus === 'number'
      ? context.downstreamStatus
      : (resolvePolicy(options?.policy)[c.kind] ?? 502);
  const message =
    c.upstreamMessage !== undefined ? redact(c.upstreamMessage, options?.redaction) : undefined;
  const code = shortString(c.upstreamCode, 100);
  const limit = compact({
    dimension: c.dimension,
    window: c.window,
    limit: c.limit,
    remaining: c.remaining,
    used: c.used,
    requested: c.requested,
  });
  const http = compact({
    method: shortString(context?.method, 16),
    path: stripQuery(context?.path),
    requestId: shortString(context?.requestId, 200),
  });
  const upstreamStatus = c.upstreamStatus !== undefined ? String(c.upstreamStatus) : 'no response';
  const record = compact({
    level,
    msg: `upstream ${c.kind}: ${c.provider} answered ${upstreamStatus}${code !== undefined ? ` (${code})` : ''}, responded ${downstreamStatus}`,
    event: 'four29.upstream_error' as const,
    kind: c.kind,
    provider: c.provider,
    retryable: c.retryable,
    error: compact({ type: c.kind, message, code }),
    upstream: compact({
      status: c.upstreamStatus,
      code,
      requestId: shortString(c.upstreamRequestId),
      message,
    }),
    retryAfterMs: c.retryAfterMs,
    resetAt:
      c.resetAt !== undefined && Number.isFinite(c.resetAt) && Math.abs(c.resetAt) < 8.64e15
        ? new Date(c.resetAt).toISOString()
        : undefined,
    limit: Object.keys(limit).length > 0 ? limit : undefined,
    downstream: { status: downstreamStatus },
    remediation: c.remediation.steps.filter((s) => s.audience !== 'caller').map((s) => s.id),
    http: Object.keys(http).length > 0 ? http : undefined,
  });
  return record as LogRecord;
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
