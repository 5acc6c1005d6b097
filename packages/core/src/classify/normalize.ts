/**
 * Turns any thrown value into one safe `UpstreamErrorInfo`, or decides that it is not an upstream
 * error at all.
 *
 * ## What counts as an upstream error (the structural evidence)
 *
 * Walking the value and its `cause` chain (at most {@link MAX_CAUSE_DEPTH} links, cycles stopped),
 * the first link that shows one of these is the upstream error:
 *
 * 1. **An HTTP error response**: an HTTP status 400–599 (`status`, `statusCode`,
 *    `response.status|statusCode`, AWS `$metadata.httpStatusCode`) together with something only a
 *    response has: response headers (`headers`, `response.headers`, `responseHeaders`,
 *    `rawResponse.headers`), a response body (`body`, `error`, `data`, `response.data|body`,
 *    `responseBody`), AWS `$metadata`/`$fault`,
 *    `isAxiosError`, or the name of an HTTP error class (`ApiError` of @google/genai,
 *    `UpstreamHttpError`). A status alone is not enough: that is what the app's own HTTP errors
 *    look like.
 * 2. **A provider error event without a status**: an SDK `APIError` thrown mid-stream, with an
 *    `error` body that has a string `type` or `code` (openai-node and @anthropic-ai/sdk do this when
 *    an SSE stream carries an error event).
 * 3. **A network failure of an HTTP or LLM client**: openai/anthropic `APIConnectionError` and
 *    `APIConnectionTimeoutError`; axios errors without a response (`ECONNABORTED`, `ETIMEDOUT`,
 *    `ECONNREFUSED`, `ERR_NETWORK`, …); `TypeError: fetch failed` whose cause carries a network
 *    code (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_*`, …); undici errors (`UND_ERR_*` codes); a
 *    `TimeoutError` DOMException (`AbortSignal.timeout`); and, by each client's own marks (see
 *    {@link clientNetworkInfo}): the Vercel AI SDK's `APICallError` without a response, got's
 *    `RequestError`/`TimeoutError`, ky's `TimeoutError`, node-fetch's `FetchError`, LangChain's
 *    `TimeoutError`, an AWS SDK error with `$metadata` but no response, the `CohereError` a
 *    Fern-generated SDK (cohere-ai) throws for its own timeout.
 *
 * The boundary for connection errors: the *same* `ECONNREFUSED` is an upstream failure when an
 * HTTP or LLM client threw it (its error class, or a cause chain under one, shows that client's
 * marks) and the app's own failure when it comes bare — a database or cache driver throws exactly
 * `Error { code: 'ECONNREFUSED', syscall: 'connect', port: 5432 }`, and answering that as "the
 * upstream API is down" would hide an outage of the app's own infrastructure. So a bare system
 * error is never upstream, whatever its port, and neither is an abort the caller asked for. The
 * price: undici's `request()` rejects with that same bare error when the connection is refused,
 * so it is not recognised (its timeouts and HTTP errors are: they carry `UND_ERR_*` codes).
 *
 * And these end the walk with "not an upstream error", even if something deeper would qualify:
 * - the app's own HTTP errors: http-errors (`expose` boolean plus a status), Nest `HttpException`
 *   (`getStatus()`/`getResponse()`), Hono `HTTPException` (`getResponse()` plus a numeric
 *   `status`), a thrown fetch `Response` (Remix/React Router control flow);
 * - the app's own request-body parse errors (body-parser `entity.parse.failed`, co-body's
 *   `SyntaxError` with `status` 400 and the raw request `body`);
 * - user aborts: `AbortError`, `APIUserAbortError`, axios `ERR_CANCELED`: the caller chose to stop.
 *
 * Everything else (plain `Error`, bare `TypeError`, strings, numbers, `null`, an app's own rate
 * limiter rejection, a bare `ECONNREFUSED` from a database driver) is not an upstream API error.
 */

import { errorStatus, httpStatus } from '../http-status.js';
import type { ProviderId } from '../types.js';
import { normalizeHeaders } from './headers.js';
import {
  constructorName,
  get,
  getObject,
  getString,
  hasOwn,
  isArray,
  isFunction,
  isObjectLike,
  MAX_TEXT,
  toNumber,
} from './safe.js';
import { TIMEOUT_CODES } from './timeout-codes.js';

export const MAX_CAUSE_DEPTH = 8;

export type UpstreamOrigin = 'http' | 'event' | 'network' | 'timeout';

export interface UpstreamErrorInfo {
  readonly origin: UpstreamOrigin;
  /** The real HTTP status, when a response was received. */
  readonly status?: number;
  /** Lower-case names, bounded. */
  readonly headers: Map<string, string>;
  /** Parsed JSON (object or array), text (bounded), or undefined. Read-only: never merged anywhere. */
  readonly body: unknown;
  /** The thrown error's own message, bounded. */
  readonly message: string;
  /** `name`, or the class name when `name` is the generic `Error`. */
  readonly name: string;
  readonly requestId?: string;
  /** AWS SDK v3 exception name (`ThrottlingException`). */
  readonly awsName?: string;
  /** For network failures: the system or undici code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`). */
  readonly networkCode?: string;
  /** AWS `$fault`: whose side the service blames. */
  readonly fault?: 'client' | 'server';
  /** A provider the error names itself (`UpstreamHttpError.provider`). */
  readonly provider?: ProviderId;
  /** Which client produced it, for provider detection only. */
  readonly client?:
    | 'openai-sdk'
    | 'anthropic-sdk'
    | 'google-genai'
    | 'aws-sdk'
    | 'axios'
    | 'fetch'
    | 'ai-sdk'
    | 'got'
    | 'ky'
    | 'node-fetch'
    | 'langchain'
    | 'fern';
  /**
   * Lower-case host, with its port, of the URL the client called (`api.mistral.ai`,
   * `localhost:11434`), when its error says: for provider detection only, never logged or sent.
   */
  readonly host?: string;
}

/** What one link of a cause chain says: here is the upstream error, the chain holds none, or read its cause. */
type LinkReading = UpstreamErrorInfo | 'not_upstream' | 'follow_cause';

const NETWORK_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPROTO',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  // Bun's fetch
  'ConnectionRefused',
  'ConnectionClosed',
  'FailedToOpenSocket',
]);

/** undici codes that are the caller's doing or a programming error, not a network failure. */
const UNDICI_NOT_NETWORK: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'UND_ERR_ABORTED',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_INVALID_RETURN_VALUE',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

const REQUEST_ID_RE = /^[\x21-\x7e]{1,200}$/;

/** A request id safe to log and compare: printable ASCII, no spaces or line breaks. */
export function cleanRequestId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  return REQUEST_ID_RE.test(s) ? s : undefined;
}

function nameOf(value: unknown): string {
  const name = getString(value, 'name', 100);
  if (name !== undefined && name !== 'Error') return name;
  return constructorName(value) ?? name ?? '';
}

function codeOf(value: unknown): string | undefined {
  const code = get(value, 'code');
  return typeof code === 'string' && code.length <= 64 ? code : undefined;
}

function statusOf(value: unknown): number | undefined {
  return errorStatus(toNumber(value));
}

function isHttpErrorsError(value: unknown): boolean {
  // http-errors (and Koa's ctx.throw) put `expose`, `status` and `statusCode` on the prototype.
  return (
    typeof get(value, 'expose') === 'boolean' &&
    (toNumber(get(value, 'statusCode')) !== undefined ||
      toNumber(get(value, 'status')) !== undefined)
  );
}

/**
 * The app's own request-body parsing failed: body-parser/raw-body errors carry a `type` such as
 * `entity.parse.failed`; co-body (koa-bodyparser, @koa/bodyparser, koa-body) throws the JSON
 * `SyntaxError` with `status: 400` and the raw *request* body as `body`. Both look like an upstream
 * answer, but they are the client's bad input, and that body must never be logged as an upstream
 * message.
 */
function isRequestBodyError(value: unknown, name: string): boolean {
  const type = get(value, 'type');
  if (
    typeof type === 'string' &&
    /^(?:entity|request|encoding|charset|stream)\.[a-z.]+$/.test(type)
  )
    return true;
  return (
    name === 'SyntaxError' &&
    get(value, 'headers') === undefined &&
    get(value, 'response') === undefined
  );
}

/**
 * The app's own HTTP exception, answered with a status the app chose: Nest `HttpException`
 * (`getStatus()` and `getResponse()`), Hono `HTTPException` (`getResponse()` and a numeric
 * `status`). Its `cause` may be an upstream error, but the app has already decided what to answer.
 * No SDK error class has a `getResponse` method.
 */
function isAppHttpException(value: unknown): boolean {
  if (!isFunction(value, 'getResponse')) return false;
  if (isFunction(value, 'getStatus')) return true;
  return httpStatus(get(value, 'status')) !== undefined;
}

function isFetchResponse(value: unknown): boolean {
  return (
    typeof get(value, 'ok') === 'boolean' &&
    typeof get(value, 'bodyUsed') === 'boolean' &&
    isFunction(value, 'clone')
  );
}

function isUserAbort(value: unknown, name: string): boolean {
  if (name === 'AbortError' || name === 'APIUserAbortError' || name === 'CanceledError')
    return true;
  return get(value, 'isAxiosError') === true && codeOf(value) === 'ERR_CANCELED';
}

/** Codes along a short cause chain (a fetch TypeError's cause, or an SDK error's cause's cause). */
function causeCodes(value: unknown, depth = 3): string[] {
  const codes: string[] = [];
  let current: unknown = value;
  const seen = new Set<unknown>();
  for (let i = 0; i < depth && isObjectLike(current) && !seen.has(current); i++) {
    seen.add(current);
    const code = codeOf(current);
    if (code !== undefined) codes.push(code);
    const name = getString(current, 'name', 100);
    if (name === 'TimeoutError' || name === 'ConnectTimeoutError' || name === 'HeadersTimeoutError')
      codes.push('ETIMEDOUT');
    current = get(current, 'cause');
  }
  return codes;
}

function isNetworkCode(code: string): boolean {
  return NETWORK_CODES.has(code) || (code.startsWith('UND_ERR_') && !UNDICI_NOT_NETWORK.has(code));
}

function connectionInfo(
  value: unknown,
  name: string,
  timeout: boolean,
  client?: UpstreamErrorInfo['client'],
): UpstreamErrorInfo {
  // The most telling code along the chain (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, …), for logs.
  const codes = [codeOf(value), ...causeCodes(get(value, 'cause'))].filter(
    (c): c is string => c !== undefined && /^[A-Za-z_][A-Za-z0-9_]{1,63}$/.test(c),
  );
  const networkCode = codes.find(isNetworkCode) ?? (name === 'TimeoutError' ? name : undefined);
  return {
    origin: timeout ? 'timeout' : 'network',
    headers: new Map(),
    body: undefined,
    message: getString(value, 'message', MAX_TEXT) ?? '',
    name,
    ...(client !== undefined ? { client } : {}),
    ...optional('networkCode', networkCode),
    ...optional('host', requestHost(value)),
  };
}

/** Registered by @langchain/core (`stampRetryable`) on the errors it creates from SDK errors. */
const LANGCHAIN_RETRYABLE = /* @__PURE__ */ Symbol.for('langchain.errors.retryable');

/**
 * Connection failures and timeouts by the marks only that client's errors carry. Each of these
 * classes is thrown only by the client named, and only about a request it sent, so its network
 * code means the upstream did not answer. A caller's own abort is not among them: AI SDK, got and
 * node-fetch rethrow it as an `AbortError`, which `isUserAbort` stops at.
 */
function clientNetworkInfo(value: unknown, name: string): UpstreamErrorInfo | undefined {
  // Vercel AI SDK: `APICallError` without a `statusCode` is "Cannot connect to API", with the
  // fetch failure as its cause.
  if (
    name === 'AI_APICallError' ||
    (typeof get(value, 'isRetryable') === 'boolean' && hasOwn(value, 'requestBodyValues'))
  ) {
    const codes = causeCodes(get(value, 'cause'), 4);
    if (!codes.some(isNetworkCode)) return undefined;
    return connectionInfo(
      value,
      name,
      codes.some((c) => TIMEOUT_CODES.has(c)),
      'ai-sdk',
    );
  }
  const code = codeOf(value);
  // got: every RequestError subclass carries the request's `timings` and `options`.
  if (isObjectLike(get(value, 'timings')) && isObjectLike(get(value, 'options'))) {
    if (name === 'TimeoutError') return connectionInfo(value, name, true, 'got');
    if (code === undefined || !isNetworkCode(code)) return undefined;
    return connectionInfo(value, name, TIMEOUT_CODES.has(code), 'got');
  }
  // ky: its own `TimeoutError` holds the Request it gave up on.
  if (name === 'TimeoutError') {
    const request = getObject(value, 'request');
    if (typeof get(request, 'url') === 'string' && typeof get(request, 'method') === 'string')
      return connectionInfo(value, name, true, 'ky');
    // LangChain turns an SDK's APIConnectionTimeoutError into a bare Error named TimeoutError;
    // only its retryable stamp says it came from a model call.
    if (get(value, LANGCHAIN_RETRYABLE) === true)
      return connectionInfo(value, name, true, 'langchain');
    return undefined;
  }
  // cohere-ai (Fern's fetcher): its timeout aborts the request with the string "timeout", fetch
  // rejects with that string, and the SDK wraps it in a plain `CohereError` with no status, the
  // string as `cause` and its placeholder `rawResponse` for "no response" (status 0, not the 499
  // it uses when the caller's own signal aborted).
  if (get(value, 'cause') === 'timeout' && hasOwn(value, 'statusCode')) {
    const raw = getObject(value, 'rawResponse');
    if (
      get(value, 'statusCode') === undefined &&
      get(raw, 'status') === 0 &&
      typeof get(raw, 'statusText') === 'string' &&
      typeof get(raw, 'redirected') === 'boolean'
    )
      return connectionInfo(value, name, true, 'fern');
  }
  // node-fetch: `FetchError` with `type: 'system'` wraps the socket error and copies its code;
  // v2's own timeouts are `request-timeout` / `body-timeout`.
  if (name === 'FetchError') {
    const type = get(value, 'type');
    if (type === 'request-timeout' || type === 'body-timeout')
      return connectionInfo(value, name, true, 'node-fetch');
    if (type !== 'system' || code === undefined || !isNetworkCode(code)) return undefined;
    return connectionInfo(value, name, TIMEOUT_CODES.has(code), 'node-fetch');
  }
  return undefined;
}

/**
 * An AWS SDK v3 error without a response: smithy's handlers reject with `$metadata` (attempts)
 * but no `$fault` and no status when the socket failed (`TimeoutError`, or a stream error whose
 * cause is `ECONNREFUSED`).
 */
function awsNetworkInfo(value: unknown, name: string): UpstreamErrorInfo | undefined {
  if (typeof get(value, '$fault') === 'string') return undefined;
  const codes = causeCodes(value, 3);
  if (name !== 'TimeoutError' && !codes.some(isNetworkCode)) return undefined;
  return connectionInfo(
    value,
    name,
    name === 'TimeoutError' || codes.some((c) => TIMEOUT_CODES.has(c)),
    'aws-sdk',
  );
}

/** Network and timeout evidence for a link that has no HTTP status. */
function networkErrorInfo(value: unknown, name: string): UpstreamErrorInfo | undefined {
  const ctor = constructorName(value);
  if (ctor === 'APIConnectionTimeoutError') return connectionInfo(value, ctor, true);
  if (ctor === 'APIConnectionError') {
    const codes = causeCodes(get(value, 'cause'));
    return connectionInfo(
      value,
      ctor,
      codes.some((c) => TIMEOUT_CODES.has(c)),
    );
  }
  const code = codeOf(value);
  if (get(value, 'isAxiosError') === true) {
    if (code === undefined) return undefined;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT')
      return connectionInfo(value, name, true, 'axios');
    return isNetworkCode(code) ? connectionInfo(value, name, false, 'axios') : undefined;
  }
  if (name === 'TimeoutError' && (get(value, 'code') === 23 || ctor === 'DOMException')) {
    return connectionInfo(value, name, true, 'fetch');
  }
  if (name === 'TypeError') {
    const message = getString(value, 'message', 200) ?? '';
    if (
      !/^(?:fetch failed|error sending request|Failed to fetch|Load failed|NetworkError when)/i.test(
        message,
      )
    )
      return undefined;
    const codes = causeCodes(get(value, 'cause'));
    if (!codes.some(isNetworkCode)) return undefined;
    return connectionInfo(
      value,
      name,
      codes.some((c) => TIMEOUT_CODES.has(c)),
      'fetch',
    );
  }
  if (code?.startsWith('UND_ERR_') && !UNDICI_NOT_NETWORK.has(code)) {
    return connectionInfo(value, name, TIMEOUT_CODES.has(code), 'fetch');
  }
  return clientNetworkInfo(value, name);
}

function decodeBytes(value: unknown): string | undefined {
  try {
    let bytes: Uint8Array | undefined;
    if (value instanceof Uint8Array) bytes = value;
    else if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
    if (bytes === undefined) return undefined;
    return new TextDecoder().decode(bytes.subarray(0, MAX_TEXT));
  } catch {
    return undefined;
  }
}

/** JSON when the bounded text looks like JSON and parses; the text otherwise. Never parses more than MAX_TEXT. */
export function parseBodyText(text: string): unknown {
  const s = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
  const trimmed = s.trimStart();
  if (s.length === text.length && (trimmed.startsWith('{') || trimmed.startsWith('['))) {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      // Not JSON after all: keep the text for message matching.
    }
  }
  return s;
}

function bodyValue(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.length > 0 ? parseBodyText(value) : undefined;
  const text = decodeBytes(value);
  if (text !== undefined) return parseBodyText(text);
  if (!isObjectLike(value) || typeof value === 'function') return undefined;
  // A stream (fetch Response.body, Node Readable) cannot be read synchronously: no body.
  if (isFunction(value, 'getReader') || isFunction(value, 'pipe')) return undefined;
  return value;
}

/**
 * Vertex AI sometimes answers with a one-element array, and @google/genai wraps non-JSON bodies as
 * `{error: {message: "<the body text>"}}`, so the real body can sit one level down.
 */
function unwrapBody(body: unknown): unknown {
  if (isArray(body)) {
    const first = get(body, 0);
    return isObjectLike(first) && getObject(first, 'error') !== undefined ? first : body;
  }
  const error = getObject(body, 'error');
  const inner = getString(error, 'message');
  if (inner !== undefined && /^\s*[[{]/.test(inner)) {
    const parsed = parseBodyText(inner);
    const candidate = isArray(parsed) ? get(parsed, 0) : parsed;
    if (getObject(candidate, 'error') !== undefined) return candidate;
  }
  return body;
}

function firstDefined(...values: unknown[]): unknown {
  for (const v of values) if (v !== undefined && v !== null) return v;
  return undefined;
}

function requestIdOf(value: unknown): string | undefined {
  return (
    cleanRequestId(get(value, 'requestID')) ??
    cleanRequestId(get(value, 'request_id')) ??
    cleanRequestId(get(getObject(value, '$metadata'), 'requestId'))
  );
}

function sdkBody(value: unknown): { body: unknown; client?: UpstreamErrorInfo['client'] } {
  const error = get(value, 'error');
  // openai-node keeps only the body's `error` member (and copies code/param/type onto the error);
  // @anthropic-ai/sdk keeps the whole body.
  if (hasOwn(value, 'param') && hasOwn(value, 'type')) {
    return { body: isObjectLike(error) ? { error } : undefined, client: 'openai-sdk' };
  }
  if (hasOwn(value, 'requestID') && hasOwn(value, 'error')) {
    return { body: bodyValue(error), client: 'anthropic-sdk' };
  }
  return { body: undefined };
}

function httpErrorInfo(value: unknown, name: string): UpstreamErrorInfo | undefined {
  const response = getObject(value, 'response');
  const metadata = getObject(value, '$metadata');
  const status =
    statusOf(get(value, 'status')) ??
    statusOf(get(value, 'statusCode')) ??
    statusOf(get(response, 'status')) ??
    statusOf(get(response, 'statusCode')) ??
    statusOf(get(metadata, 'httpStatusCode'));
  // Fern-generated SDKs (cohere-ai) keep the response's headers only on `rawResponse`; its
  // `status` is never read (a placeholder 499 or 0 when no response came).
  const rawResponse = getObject(value, 'rawResponse');
  const headersSource = firstDefined(
    getObject(value, 'headers'),
    getObject(response, 'headers'),
    getObject(value, 'responseHeaders'),
    getObject(rawResponse, 'headers'),
  );
  const isAws = metadata !== undefined || typeof get(value, '$fault') === 'string';
  const isAxios = get(value, 'isAxiosError') === true;
  const sdk = sdkBody(value);
  let body = sdk.body;
  let client = sdk.client;
  if (body === undefined) {
    body = bodyValue(
      firstDefined(
        get(value, 'body'),
        getObject(value, 'error'),
        get(value, 'responseBody'),
        get(value, 'data'),
        get(response, 'data'),
        get(response, 'body'),
      ),
    );
  }
  if (name === 'ApiError' && body === undefined) {
    // @google/genai: the message is JSON.stringify(body).
    const parsed = parseBodyText(getString(value, 'message', MAX_TEXT + 1) ?? '');
    if (isObjectLike(parsed)) {
      body = parsed;
      client = 'google-genai';
    }
  }
  if (status === undefined && isAws) {
    const network = awsNetworkInfo(value, name);
    if (network !== undefined) return network;
    // AWS SDK v3 builds service exceptions only from a response, even when $metadata lost the status.
    const fault = get(value, '$fault');
    return {
      origin: 'event',
      headers: normalizeHeaders(headersSource),
      body: unwrapBody(body),
      message: getString(value, 'message', MAX_TEXT) ?? '',
      name,
      client: 'aws-sdk',
      awsName: name,
      ...optional<'fault', 'client' | 'server'>(
        'fault',
        fault === 'client' || fault === 'server' ? fault : undefined,
      ),
      ...optional('requestId', requestIdOf(value)),
    };
  }
  if (status === undefined) {
    // A provider error event inside a 200 stream (openai-node / @anthropic-ai/sdk `APIError`).
    const errorObj = getObject(body, 'error') ?? (isObjectLike(body) ? body : undefined);
    const typed =
      typeof get(errorObj, 'type') === 'string' || typeof get(errorObj, 'code') === 'string';
    const sdkShaped = headersSource !== undefined || constructorName(value) === 'APIError';
    if (!typed || !sdkShaped || client === undefined) return undefined;
    return {
      origin: 'event',
      headers: normalizeHeaders(headersSource),
      body: unwrapBody(body),
      message: getString(value, 'message', MAX_TEXT) ?? '',
      name,
      ...(client !== undefined ? { client } : {}),
      ...optional('requestId', requestIdOf(value)),
    };
  }
  const evidence =
    headersSource !== undefined ||
    body !== undefined ||
    response !== undefined ||
    isAws ||
    isAxios ||
    name === 'ApiError' ||
    name === 'UpstreamHttpError';
  if (!evidence) return undefined;
  if (isAws) client = 'aws-sdk';
  else if (isAxios) client = 'axios';
  const provider = name === 'UpstreamHttpError' ? getString(value, 'provider', 100) : undefined;
  return {
    origin: 'http',
    status,
    headers: normalizeHeaders(headersSource),
    body: unwrapBody(body),
    message: getString(value, 'message', MAX_TEXT) ?? '',
    name,
    ...(client !== undefined ? { client } : {}),
    ...optional('requestId', requestIdOf(value)),
    ...optional('awsName', isAws ? name : undefined),
    ...optional('provider', provider),
    ...optional('host', requestHost(value, response ?? rawResponse)),
  };
}

// Scheme, optional userinfo, then the host with its port; a path-only URL has none.
const URL_HOST_RE =
  /^https?:\/\/(?:[^/?#@\s]*@)?(\[[0-9a-f:.]+\]|[a-z0-9.-]{1,253})(:\d{1,5})?(?=[/?#]|$)/i;
// node-fetch: "request to https://api.openai.com/v1/chat/completions failed, reason: …"
const NODE_FETCH_URL_RE = /^request to (https?:\/\/\S{1,2048}) failed\b/;

/** Lower-case `host[:port]` of an http(s) URL, a string or a WHATWG URL (got, ky); nothing else of it. */
export function hostOf(url: unknown): string | undefined {
  const text =
    typeof url === 'string'
      ? url.slice(0, 2048)
      : isObjectLike(url)
        ? getString(url, 'href', 2048)
        : undefined;
  if (text === undefined) return undefined;
  const m = URL_HOST_RE.exec(text.trim());
  if (m === null || m[1] === undefined) return undefined;
  return (m[1] + (m[2] ?? '')).toLowerCase();
}

/**
 * Where the request went, from what clients keep on their errors: `url` (UpstreamHttpError, the
 * AI SDK's APICallError), `response.url` (fetch-based clients; `rawResponse.url` of
 * @mistralai/mistralai and cohere-ai), axios `config.baseURL`/`config.url`,
 * got `options.url`, ky and ofetch `request`, node-fetch's message. openai-node's APIError keeps
 * no URL at all.
 */
function requestHost(value: unknown, response?: object): string | undefined {
  const config = getObject(value, 'config');
  const request = get(value, 'request');
  return (
    hostOf(get(value, 'url')) ??
    hostOf(get(response, 'url')) ??
    hostOf(get(config, 'url')) ??
    hostOf(get(config, 'baseURL')) ??
    hostOf(get(getObject(value, 'options'), 'url')) ??
    hostOf(request) ??
    hostOf(get(request, 'url')) ??
    hostOf(NODE_FETCH_URL_RE.exec(getString(value, 'message', 2200) ?? '')?.[1])
  );
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function readLink(value: unknown): LinkReading {
  if (!isObjectLike(value)) return 'not_upstream';
  if (isHttpErrorsError(value) || isAppHttpException(value) || isFetchResponse(value))
    return 'not_upstream';
  const name = nameOf(value);
  if (isUserAbort(value, name) || isRequestBodyError(value, name)) return 'not_upstream';
  return httpErrorInfo(value, name) ?? networkErrorInfo(value, name) ?? 'follow_cause';
}

/** The next link: `cause`, or the AI SDK's `RetryError.lastError`. */
function nextLink(value: unknown): unknown {
  const cause = get(value, 'cause');
  if (cause !== undefined) return cause;
  return get(value, 'lastError');
}

/** The upstream error in `thrown` or its cause chain, or null. Never throws. */
export function findUpstreamError(thrown: unknown): UpstreamErrorInfo | null {
  const seen = new Set<unknown>();
  let current: unknown = thrown;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH; depth++) {
    if (!isObjectLike(current) || seen.has(current)) return null;
    seen.add(current);
    let reading: LinkReading;
    try {
      reading = readLink(current);
    } catch {
      reading = 'follow_cause';
    }
    if (reading === 'not_upstream') return null;
    if (reading !== 'follow_cause') return reading;
    current = nextLink(current);
  }
  return null;
}
