import {
  classify,
  consoleLogger,
  DEFAULT_MAX_BODY_BYTES,
  type Four29Logger,
  NEVER_RETRYABLE_KINDS,
  type UpstreamErrorKind,
  UpstreamHttpError,
} from '@four29/core';
import { numberOption } from '@four29/core/internal';
import type { PacedFetch } from './paced-fetch.js';

export interface RetryGuardOptions {
  /**
   * The fetch that sends requests, e.g. `createPacedFetch()`. Default: the global `fetch`, looked
   * up on each call.
   */
  readonly fetch?: PacedFetch | undefined;
  /** Most of an error body read to classify it. Default 64 KiB; the rest is never buffered. */
  readonly maxBodyBytes?: number | undefined;
  /** Where a warning about a bad option goes. Default `consoleLogger`; `false`: nowhere. */
  readonly logger?: Pick<Four29Logger, 'warn'> | false | undefined;
}

/** The answer the SDKs obey before their own status rules (openai-node, @anthropic-ai/sdk, Stainless SDKs). */
const SHOULD_RETRY = 'x-should-retry';

/**
 * A `fetch` for the SDKs' `fetch` option that tells them not to retry what no retry can fix.
 *
 * openai-node, `@anthropic-ai/sdk` and the other Stainless-generated SDKs retry 408, 409, 429 and
 * 5xx answers twice by default, unless the answer carries `x-should-retry: false`. OpenAI's
 * `insufficient_quota` is a 429, so one exhausted quota costs three upstream requests and the
 * backoff between them. This fetch classifies every 4xx answer with four29's classifier and adds
 * `x-should-retry: false` to `quota_exhausted`, `upstream_auth` and `request_too_large` answers;
 * everything else (a genuine rate limit included) is left to the SDK's own rules.
 *
 * `new OpenAI({ fetch: createRetryGuard() })`; with pacing,
 * `createRetryGuard({ fetch: createPacedFetch() })`.
 */
export function createRetryGuard(options: RetryGuardOptions = {}): PacedFetch {
  const logger = options.logger === false ? undefined : (options.logger ?? consoleLogger);
  const warn = (message: string) => {
    try {
      logger?.warn({ event: 'four29.options', helper: 'retry-guard', message });
    } catch {
      // A logger that throws must not stop the guard from being created.
    }
  };
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    warn('retry guard: `fetch` is not a function; using the global fetch');
  }
  if (
    options.maxBodyBytes !== undefined &&
    numberOption(options.maxBodyBytes, -1) !== options.maxBodyBytes
  ) {
    warn(`retry guard: \`maxBodyBytes\` is not a number ≥ 0; using ${DEFAULT_MAX_BODY_BYTES}`);
  }
  const maxBodyBytes = numberOption(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES);
  const base = typeof options.fetch === 'function' ? options.fetch : undefined;

  return async function retryGuardedFetch(input, init) {
    const send = base ?? globalThis.fetch;
    // A fetch that rejects rejects as it would without the guard: the SDK treats it as a
    // connection error, which it is right to retry.
    const res = await send(input, init);
    try {
      return await mark(res, maxBodyBytes);
    } catch {
      // Only reachable before the body was touched: the caller gets the upstream's answer as is.
      return res;
    }
  };
}

function statusOf(res: unknown): number | undefined {
  if (typeof res !== 'object' || res === null) return undefined;
  const status: unknown = (res as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

function copyHeaders(headers: Headers): Headers {
  const out = new Headers();
  headers.forEach((value, name) => {
    out.append(name, value);
  });
  return out;
}

function hopeless(kind: UpstreamErrorKind | undefined): boolean {
  return kind !== undefined && NEVER_RETRYABLE_KINDS.has(kind);
}

async function kindOf(
  reading: Parameters<typeof UpstreamHttpError.fromResponse>[0],
  maxBodyBytes: number,
): Promise<UpstreamErrorKind | undefined> {
  try {
    const error = await UpstreamHttpError.fromResponse(reading, { maxBodyBytes });
    return classify(error)?.kind;
  } catch {
    // Both promise not to throw (a body that fails mid-read keeps what arrived); if one did, mark nothing.
    return undefined;
  }
}

/**
 * The answer the SDK gets: unchanged unless it is a 4xx that classifies as hopeless. A web
 * `ReadableStream` body is teed, so the classifier reads at most `maxBodyBytes` of one branch and
 * the SDK still reads the whole body from the other; the branch left behind only holds what the
 * classifier pulled, which the SDK was about to read anyway.
 */
async function mark(res: Response, maxBodyBytes: number): Promise<Response> {
  const status = statusOf(res);
  // Success, redirects and 5xx (which no hopeless kind answers) pass through untouched, unread.
  if (status === undefined || status < 400 || status > 499) return res;
  const headers = res.headers;
  if (typeof headers?.get !== 'function' || headers.get(SHOULD_RETRY) === 'false') return res;
  const body: unknown = res.body;
  const stream =
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { tee?: unknown }).tee === 'function' &&
    typeof (body as { locked?: unknown }).locked === 'boolean' &&
    !(body as ReadableStream).locked
      ? (body as ReadableStream<Uint8Array>)
      : undefined;

  if (stream !== undefined && typeof Response === 'function') {
    // Everything that can throw on a foreign response happens before the tee locks its body.
    const url = res.url;
    const out = copyHeaders(headers);
    const init = { status, statusText: res.statusText, headers: out };
    const [mine, theirs] = stream.tee();
    const copy = new Response(theirs, init);
    // The SDKs put the URL in their logs and errors; a constructed Response has none of its own.
    if (typeof url === 'string' && url.length > 0) {
      Object.defineProperty(copy, 'url', { value: url, enumerable: true });
    }
    // A constructed Response's headers are mutable, unlike a fetched one's.
    if (hopeless(await kindOf({ status, headers: out, url, body: mine }, maxBodyBytes))) {
      copy.headers.set(SHOULD_RETRY, 'false');
    }
    return copy;
  }

  // No web stream (a body already read, null, or a Node stream from node-fetch): classify from a
  // clone when there is one, else from the status and headers alone; never consume the caller's body.
  const clone =
    body !== null && body !== undefined && typeof res.clone === 'function'
      ? res.clone()
      : undefined;
  const kind = await kindOf(clone ?? { status, headers, url: res.url }, maxBodyBytes);
  if (!hopeless(kind)) return res;
  try {
    headers.set(SHOULD_RETRY, 'false');
    return res;
  } catch {
    // Immutable headers (a fetch Response) without a stream to re-wrap.
  }
  if (typeof Response === 'function' && (body === null || body === undefined)) {
    const out = copyHeaders(headers);
    out.set(SHOULD_RETRY, 'false');
    return new Response(null, { status, statusText: res.statusText, headers: out });
  }
  return res;
}
