/**
 * Reads the provider-specific members of an error body into one flat, bounded record, so the rules
 * never touch the foreign body again.
 */

import { errorStatus } from '../http-status.js';
import {
  normalizeHeaders,
  parseDurationMs,
  type RateLimitHeaders,
  readRateLimitMap,
} from './headers.js';
import type { UpstreamErrorInfo } from './normalize.js';
import {
  get,
  getObject,
  getString,
  isArray,
  isObjectLike,
  MAX_SCAN,
  toCode,
  toNumber,
} from './safe.js';

export interface QuotaViolation {
  readonly quotaId?: string;
  readonly quotaMetric?: string;
  readonly quotaValue?: number;
}

export interface Facts {
  readonly info: UpstreamErrorInfo;
  /** The HTTP status, or for a status-less error event the status its type stands for. */
  readonly status?: number;
  /** The body's `error` member, when it is an object. */
  readonly error?: object;
  /** The best message for matching: the body's message, else the thrown message. Bounded. */
  readonly message: string;
  /** `error.type` (OpenAI, Anthropic). */
  readonly type?: string;
  /** `error.code` as a string (OpenAI string codes, Azure `"429"`, OpenRouter `402`), or a top-level `code`. */
  readonly code?: string;
  /** Google `error.status` (`RESOURCE_EXHAUSTED`). */
  readonly rpcStatus?: string;
  /** Google `google.rpc.ErrorInfo` reason (`API_KEY_INVALID`). */
  readonly reason?: string;
  /** Anthropic `error.details.error_code` (`enforced_spend_limit_reached`). */
  readonly detailsCode?: string;
  /** AWS exception name, from the SDK error, `x-amzn-errortype` or a `__type` body member. */
  readonly awsName?: string;
  readonly violations: readonly QuotaViolation[];
  /** Google `google.rpc.RetryInfo.retryDelay`, ms. */
  readonly retryInfoMs?: number;
  /** Whether the body has the `{type: "error", error: {type}}` envelope of Anthropic. */
  readonly anthropicEnvelope: boolean;
  /** Real headers, plus OpenRouter's `error.metadata.headers` where the real ones are silent. */
  readonly headers: ReadonlyMap<string, string>;
  readonly rate: RateLimitHeaders;
  readonly bodyRequestId?: string;
  /**
   * The "Limit N, Used N, Requested N" numbers of `message`, parsed on first use: both the
   * too-large rule and the limit facts read them.
   */
  readonly messageCounts: { parsed?: { limit?: number; used?: number; requested?: number } };
}

const RPC_STATUS_RE = /^[A-Z][A-Z_]{2,40}$/;
const AWS_NAME_RE = /^[A-Za-z][A-Za-z0-9]{2,80}$/;

/** Status an error type stands for when it arrived without one (an error event in a 200 stream). */
const TYPE_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  tokens: 429,
  requests: 429,
  api_error: 500,
  server_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function awsNameFrom(info: UpstreamErrorInfo, body: unknown): string | undefined {
  if (info.awsName !== undefined && AWS_NAME_RE.test(info.awsName)) return info.awsName;
  const header = info.headers.get('x-amzn-errortype');
  const fromHeader = header?.split(':')[0]?.trim();
  if (fromHeader !== undefined && AWS_NAME_RE.test(fromHeader)) return fromHeader;
  // JSON protocol bodies: `{"__type": "com.amazon.coral.service#ThrottlingException"}`.
  const type = getString(body, '__type', 200);
  const fromBody = type?.split('#').pop();
  return fromBody !== undefined && AWS_NAME_RE.test(fromBody) ? fromBody : undefined;
}

function readDetails(error: object | undefined): {
  violations: QuotaViolation[];
  retryInfoMs?: number;
  reason?: string;
} {
  const violations: QuotaViolation[] = [];
  let retryInfoMs: number | undefined;
  let reason: string | undefined;
  const details = get(error, 'details');
  if (!isArray(details)) return { violations };
  const length = Math.min(Number(get(details, 'length')) || 0, 16);
  for (let i = 0; i < length; i++) {
    const detail = get(details, i);
    const type = getString(detail, '@type', 200) ?? '';
    if (type.endsWith('google.rpc.QuotaFailure')) {
      const list = get(detail, 'violations');
      if (!isArray(list)) continue;
      const n = Math.min(Number(get(list, 'length')) || 0, 8);
      for (let j = 0; j < n; j++) {
        const v = get(list, j);
        const quotaValue = toNumber(get(v, 'quotaValue'));
        const quotaId = getString(v, 'quotaId', 200);
        const quotaMetric = getString(v, 'quotaMetric', 200);
        violations.push({
          ...(quotaId !== undefined ? { quotaId } : {}),
          ...(quotaMetric !== undefined ? { quotaMetric } : {}),
          ...(quotaValue !== undefined ? { quotaValue } : {}),
        });
      }
    } else if (type.endsWith('google.rpc.RetryInfo')) {
      const delay = get(detail, 'retryDelay');
      if (typeof delay === 'string') retryInfoMs = parseDurationMs(delay);
      else if (isObjectLike(delay)) {
        // Proto3 JSON is a string, but gRPC-transcoded bodies can carry {seconds, nanos}.
        const seconds = toNumber(get(delay, 'seconds')) ?? 0;
        const nanos = toNumber(get(delay, 'nanos')) ?? 0;
        const ms = seconds * 1000 + nanos / 1e6;
        if (Number.isFinite(ms) && ms >= 0) retryInfoMs = ms;
      }
    } else if (type.endsWith('google.rpc.ErrorInfo')) {
      const r = getString(detail, 'reason', 100);
      if (r !== undefined && RPC_STATUS_RE.test(r)) reason = r;
    }
  }
  return {
    violations,
    ...(retryInfoMs !== undefined ? { retryInfoMs } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}

function scan(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text;
}

export function readFacts(info: UpstreamErrorInfo, now: number): Facts {
  const body = info.body;
  const error = getObject(body, 'error');
  const bodyIsObject = isObjectLike(body) && !isArray(body);
  const message =
    scan(getString(error, 'message')) ??
    scan(bodyIsObject ? getString(body, 'message') : undefined) ??
    // xAI (`{"code": "…", "error": "Your team …"}`) and Ollama's native API put the text in `error`.
    scan(bodyIsObject && error === undefined ? getString(body, 'error') : undefined) ??
    scan(typeof body === 'string' ? body : undefined) ??
    scan(info.message) ??
    '';
  const type = getString(error, 'type', 100);
  const rawStatus = getString(error, 'status', 100);
  const rpcStatus =
    rawStatus !== undefined && RPC_STATUS_RE.test(rawStatus) ? rawStatus : undefined;
  const code =
    toCode(get(error, 'code')) ??
    (bodyIsObject && error === undefined ? toCode(get(body, 'code')) : undefined);
  const detailsCode = toCode(get(getObject(error, 'details'), 'error_code'));
  const details = readDetails(error);
  const awsName = awsNameFrom(info, body);

  // OpenRouter repeats the limiter's headers inside the body; real headers win.
  let headers: ReadonlyMap<string, string> = info.headers;
  const metaHeaders = getObject(getObject(error, 'metadata'), 'headers');
  if (metaHeaders !== undefined) {
    const merged = new Map(info.headers);
    for (const [k, v] of normalizeHeaders(metaHeaders)) if (!merged.has(k)) merged.set(k, v);
    headers = merged;
  }

  let status = info.status;
  if (status === undefined && info.origin === 'event') {
    const numeric = toNumber(get(error, 'code'));
    status =
      errorStatus(numeric) ??
      TYPE_STATUS[code ?? ''] ??
      TYPE_STATUS[type ?? ''] ??
      (info.fault === 'server' ? 500 : info.fault === 'client' ? 400 : undefined);
  }

  const bodyRequestId = bodyIsObject ? getString(body, 'request_id', 300) : undefined;
  return {
    info,
    ...(status !== undefined ? { status } : {}),
    ...(error !== undefined ? { error } : {}),
    message,
    ...(type !== undefined ? { type } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(rpcStatus !== undefined ? { rpcStatus } : {}),
    ...(details.reason !== undefined ? { reason: details.reason } : {}),
    ...(detailsCode !== undefined ? { detailsCode } : {}),
    ...(awsName !== undefined ? { awsName } : {}),
    violations: details.violations,
    ...(details.retryInfoMs !== undefined ? { retryInfoMs: details.retryInfoMs } : {}),
    anthropicEnvelope: bodyIsObject && get(body, 'type') === 'error' && type !== undefined,
    headers,
    rate: readRateLimitMap(headers, now),
    ...(bodyRequestId !== undefined ? { bodyRequestId } : {}),
    messageCounts: {},
  };
}
