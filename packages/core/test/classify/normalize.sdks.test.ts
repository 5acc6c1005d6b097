/**
 * The errors @mistralai/mistralai (Speakeasy) and cohere-ai (Fern) throw, rebuilt field for field
 * with plain classes (no SDK imported; packages/client-suite calls the real ones over loopback).
 * Read structurally: `statusCode`, `body`, `headers`, and the `rawResponse` both keep.
 */
import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/index.js';

const NOW = FIXTURE_NOW;
const at = (thrown: unknown, provider?: string) =>
  classify(thrown, provider !== undefined ? { now: NOW, provider } : { now: NOW });

/** @mistralai/mistralai 2.x `MistralError`: the body as text, the fetch Response kept whole. */
class MistralError extends Error {
  readonly statusCode: number;
  readonly body: string;
  readonly headers: Headers;
  readonly contentType: string;
  readonly rawResponse: Response;
  constructor(message: string, response: Response, body: string) {
    super(message);
    this.statusCode = response.status;
    this.body = body;
    this.headers = response.headers;
    this.contentType = response.headers.get('content-type') ?? '';
    this.rawResponse = response;
    this.name = 'MistralError';
  }
}
class SDKError extends MistralError {
  constructor(response: Response, body: string) {
    super(`API error occurred: Status ${response.status}. Body: ${body}`, response, body);
    this.name = 'SDKError';
  }
}
class HTTPValidationError extends MistralError {
  constructor(response: Response, body: string) {
    super(`API error occurred: ${body}`, response, body);
    this.name = 'HTTPValidationError';
  }
}

/** A fetch Response that remembers the URL it came from, as fetch's own do. */
function responseAt(url: string, status: number, headers: Record<string, string>): Response {
  const res = new Response(null, { status, headers });
  Object.defineProperty(res, 'url', { value: url });
  return res;
}

function mistralFixture(id: string, url = 'http://127.0.0.1:4000/v1/chat/completions'): SDKError {
  const r = fixtureById(id).respond(NOW);
  return new SDKError(responseAt(url, r.status, r.headers), JSON.stringify(r.body));
}

/** cohere-ai 8.x (Fern): `CohereError` with the parsed body and a plain `rawResponse` record. */
interface RawResponse {
  readonly headers: Headers;
  readonly redirected: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly type: string;
  readonly url: string;
}
class CohereError extends Error {
  readonly statusCode: number | undefined;
  readonly body: unknown;
  readonly rawResponse: RawResponse | undefined;
  constructor(o: {
    message?: string;
    statusCode?: number;
    body?: unknown;
    rawResponse?: RawResponse;
    cause?: unknown;
  }) {
    super(o.message ?? `Status code: ${o.statusCode}`);
    this.name = new.target.name;
    this.statusCode = o.statusCode;
    this.body = o.body;
    this.rawResponse = o.rawResponse;
    if (o.cause != null) this.cause = o.cause;
  }
}
class TooManyRequestsError extends CohereError {
  constructor(body: unknown, rawResponse: RawResponse) {
    super({ message: 'TooManyRequestsError', statusCode: 429, body, rawResponse });
  }
}
const raw = (url: string, status: number, headers: Record<string, string> = {}): RawResponse => ({
  headers: new Headers(headers),
  redirected: false,
  status,
  statusText: status === 0 ? 'Unknown Error' : status === 499 ? 'Client Closed Request' : '',
  type: status === 0 || status === 499 ? 'error' : 'basic',
  url,
});
/** The SDK's placeholders when no response came: `unknownRawResponse` and `abortRawResponse`. */
const UNKNOWN_RAW = raw('', 0);
const ABORT_RAW = raw('', 499);

function cohereFixture(id: string, url = 'http://127.0.0.1:4000/v2/chat'): TooManyRequestsError {
  const r = fixtureById(id).respond(NOW);
  return new TooManyRequestsError(r.body, raw(url, r.status, r.headers));
}

describe('@mistralai/mistralai errors', () => {
  it('SDKError: the fixtures read as they do from any client, without a hint', () => {
    expect(at(mistralFixture('mistral.rate_limit.requests'))).toMatchObject(
      fixtureById('mistral.rate_limit.requests').expected,
    );
    expect(at(mistralFixture('mistral.overloaded.service_tier_capacity'))).toMatchObject(
      fixtureById('mistral.overloaded.service_tier_capacity').expected,
    );
  });

  it('the provider from rawResponse.url when the answer itself does not say', () => {
    const bare = (url: string) =>
      new SDKError(
        responseAt(url, 503, { 'content-type': 'text/plain' }),
        'upstream connect error',
      );
    expect(at(bare('https://api.mistral.ai/v1/chat/completions'))).toMatchObject({
      kind: 'overloaded',
      provider: 'mistral',
      upstreamStatus: 503,
    });
    expect(at(bare('https://codestral.mistral.ai/v1/fim/completions'))?.provider).toBe('mistral');
    expect(at(bare('http://127.0.0.1:4000/v1/chat/completions'))?.provider).toBe('generic');
  });

  it('HTTPValidationError 422 (FastAPI `detail`) → upstream_error, not retryable', () => {
    const body = JSON.stringify({
      detail: [{ type: 'missing', loc: ['body', 'model'], msg: 'Field required', input: {} }],
    });
    const thrown = new HTTPValidationError(
      responseAt('https://api.mistral.ai/v1/chat/completions', 422, {
        'content-type': 'application/json',
      }),
      body,
    );
    expect(at(thrown)).toMatchObject({
      kind: 'upstream_error',
      provider: 'mistral',
      retryable: false,
      upstreamStatus: 422,
    });
  });
});

describe('cohere-ai errors', () => {
  it('TooManyRequestsError: the trial fixtures, without a hint', () => {
    expect(at(cohereFixture('cohere.trial.monthly_limit'))).toMatchObject({
      kind: 'quota_exhausted',
      provider: 'cohere',
      retryable: false,
      upstreamStatus: 429,
    });
    expect(at(cohereFixture('cohere.trial.per_minute'))).toMatchObject({
      kind: 'rate_limited',
      provider: 'cohere',
      retryable: true,
    });
  });

  it('the headers it keeps only on rawResponse are read: Retry-After, request id, Cohere’s own', () => {
    const thrown = new TooManyRequestsError(
      { message: 'too many requests' },
      raw('http://127.0.0.1:4000/v2/chat', 429, {
        'retry-after': '7',
        'x-request-id': 'req_cohere_1',
        'x-trial-endpoint-call-limit': '10',
      }),
    );
    expect(at(thrown)).toMatchObject({
      kind: 'rate_limited',
      provider: 'cohere',
      retryAfterMs: 7000,
      upstreamRequestId: 'req_cohere_1',
    });
  });

  it('the provider from rawResponse.url (a production key’s 429 names no one)', () => {
    const thrown = new TooManyRequestsError(
      { message: 'too many requests' },
      raw('https://api.cohere.com/v2/chat', 429),
    );
    expect(at(thrown)).toMatchObject({ kind: 'rate_limited', provider: 'cohere' });
    expect(
      at(new TooManyRequestsError({ message: 'x' }, raw('https://api.cohere.ai/v1/chat', 429)))
        ?.provider,
    ).toBe('cohere');
  });

  it('its placeholder rawResponse status is never read as the HTTP status', () => {
    // Connection refused: no statusCode, rawResponse status 0, the fetch failure as cause.
    const refused = new CohereError({
      message: 'fetch failed',
      rawResponse: UNKNOWN_RAW,
      cause: Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
          code: 'ECONNREFUSED',
        }),
      }),
    });
    expect(at(refused)).toMatchObject({ kind: 'upstream_error', upstreamCode: 'ECONNREFUSED' });
    expect(at(refused)).not.toHaveProperty('upstreamStatus');
    // The caller's abort: rawResponse status 499, the AbortError as cause.
    const aborted = new CohereError({
      message: 'The user aborted a request',
      rawResponse: ABORT_RAW,
      cause: new DOMException('This operation was aborted', 'AbortError'),
    });
    expect(at(aborted)).toBeNull();
  });

  it('its own timeout (cause: the string "timeout", no response) → upstream_timeout', () => {
    const timedOut = new CohereError({
      message: '"timeout"',
      rawResponse: UNKNOWN_RAW,
      cause: 'timeout',
    });
    expect(at(timedOut)).toMatchObject({ kind: 'upstream_timeout', retryable: true });
    expect(at(timedOut, 'cohere')?.provider).toBe('cohere');
  });

  it('not its timeout: the caller aborting with the reason "timeout", or the shape only in part', () => {
    // The caller's own signal aborted (reason "timeout"): the SDK's abort placeholder, status 499.
    expect(
      at(
        new CohereError({
          message: 'The user aborted a request',
          rawResponse: ABORT_RAW,
          cause: 'timeout',
        }),
      ),
    ).toBeNull();
    // No rawResponse, or not Fern's record.
    expect(at(new CohereError({ message: '"timeout"', cause: 'timeout' }))).toBeNull();
    expect(
      at(Object.assign(new Error('x'), { cause: 'timeout', statusCode: undefined })),
    ).toBeNull();
    expect(
      at(
        Object.assign(new Error('x'), {
          cause: 'timeout',
          statusCode: undefined,
          rawResponse: { status: 0 },
        }),
      ),
    ).toBeNull();
  });

  it('a hostile rawResponse is survived', () => {
    const thrown = new TooManyRequestsError(
      { message: 'You are using a Trial key, which is limited to 10 API calls / minute.' },
      UNKNOWN_RAW,
    );
    Object.defineProperty(thrown, 'rawResponse', {
      get() {
        throw new Error('boom');
      },
    });
    expect(at(thrown)).toMatchObject({
      kind: 'rate_limited',
      provider: 'cohere',
      upstreamStatus: 429,
    });
    const proxied = new CohereError({
      message: '"timeout"',
      cause: 'timeout',
      rawResponse: new Proxy(UNKNOWN_RAW, {
        get() {
          throw new Error('boom');
        },
      }),
    });
    expect(() => at(proxied)).not.toThrow();
    expect(at(proxied)).toBeNull();
  });
});
