import 'reflect-metadata';
import Anthropic from '@anthropic-ai/sdk';
import {
  AccessDeniedException,
  ModelNotReadyException,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { ApiError } from '@google/genai';
import { HttpException, HttpStatus } from '@nestjs/common';
import axios from 'axios';
import { HTTPException } from 'hono/http-exception';
import createError from 'http-errors';
import OpenAI from 'openai';
import OpenAI4 from 'openai4';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/index.js';
import { UpstreamHttpError } from '../../src/upstream-http-error.js';

const NOW = FIXTURE_NOW;
const at = (thrown: unknown, provider?: string) =>
  classify(thrown, provider !== undefined ? { now: NOW, provider } : { now: NOW });

/** Nest's own ThrottlerException (@nestjs/throttler) is exactly this subclass. */
class ThrottlerException extends HttpException {
  constructor() {
    super('ThrottlerException: Too Many Requests', HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** A fixture as the UpstreamHttpError a fetch-based client throws: classified on its own. */
function upstreamHttp(id: string): UpstreamHttpError {
  const r = fixtureById(id).respond(NOW);
  return new UpstreamHttpError({ status: r.status, headers: r.headers, body: r.body });
}

function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, syscall: 'connect', errno: -111 });
}

describe('not an upstream error → null', () => {
  const cases: [string, unknown][] = [
    ['plain Error', new Error('boom')],
    ['TypeError (app bug)', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['TypeError fetch failed without cause', new TypeError('fetch failed')],
    ['fetch failed caused by a bad URL', fetchFailed(new Error('unknown scheme'))],
    ['http-errors TooManyRequests', createError(429, 'Too many requests')],
    [
      'http-errors with headers',
      createError(429, 'Too many requests', { headers: { 'Retry-After': '5' } }),
    ],
    ['http-errors 502', createError(502)],
    ['Nest HttpException 429', new HttpException('Too Many Requests', 429)],
    ['Nest ThrottlerException', new ThrottlerException()],
    [
      'Nest HttpException wrapping an upstream error',
      new HttpException('upstream failed', 502, {
        cause: fixtureById('openai.rate_limit.tokens').respond(NOW),
      }),
    ],
    // Hono's HTTPException: the app chose the status (here 402), whatever its cause says.
    [
      'Hono HTTPException wrapping an upstream rate limit',
      new HTTPException(402, {
        message: 'Upgrade your plan',
        cause: upstreamHttp('openai.rate_limit.tokens'),
      }),
    ],
    [
      'Hono HTTPException 503 wrapping an upstream quota error',
      new HTTPException(503, { cause: upstreamHttp('openai.insufficient_quota') }),
    ],
    [
      'Hono HTTPException with its own response',
      new HTTPException(401, {
        res: new Response('Unauthorized', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer' },
        }),
      }),
    ],
    // co-body (koa-bodyparser, @koa/bodyparser, koa-body) rethrows JSON.parse's SyntaxError with
    // `status = 400` and the raw request body (co-body lib/json.js).
    [
      'co-body request JSON parse error',
      Object.assign(new SyntaxError('Unexpected token b in JSON at position 1'), {
        status: 400,
        body: '{bad json with sk-proj-abcdefghijklmnopqrstuvwx',
      }),
    ],
    // raw-body / body-parser error types, without http-errors' `expose`.
    [
      'raw-body entity.too.large',
      Object.assign(new Error('request entity too large'), {
        status: 413,
        type: 'entity.too.large',
        body: 'x',
      }),
    ],
    ['status alone', Object.assign(new Error('limited'), { status: 429 })],
    ['fastify-style statusCode alone', { statusCode: 429, message: 'Rate limit exceeded' }],
    [
      'rate-limiter-flexible rejection',
      { msBeforeNext: 1000, remainingPoints: 0, consumedPoints: 5, isFirstInDuration: false },
    ],
    ['Bottleneck drop', new Error('This job has been dropped by Bottleneck')],
    ['a thrown fetch Response (Remix control flow)', new Response('slow down', { status: 429 })],
    ['database ECONNREFUSED', systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['openai APIUserAbortError', new OpenAI.APIUserAbortError()],
    ['anthropic APIUserAbortError', new Anthropic.APIUserAbortError()],
    ['fetch AbortError', new DOMException('This operation was aborted', 'AbortError')],
    ['axios CanceledError', new axios.CanceledError('canceled')],
    ['3xx descriptor', { status: 302, headers: { location: '/x' } }],
    ['2xx descriptor', { status: 200, headers: {}, body: { ok: true } }],
    ['status out of range', { status: 999, headers: {}, body: 'x' }],
    ['string', '429 Too Many Requests'],
    ['number', 429],
    ['null', null],
    ['undefined', undefined],
    ['boolean', true],
    ['symbol', Symbol('429')],
    ['bigint', 429n],
    ['empty object', {}],
    ['array', [429]],
    ['function', () => 429],
  ];
  it.each(cases)('%s', (_name, value) => {
    expect(at(value)).toBeNull();
  });

  it('stops at an app HTTP exception only: the same upstream cause under a plain Error is found', () => {
    const cause = upstreamHttp('openai.rate_limit.tokens');
    expect(at(new Error('wrapped', { cause }))?.kind).toBe('rate_limited');
    expect(at(new HTTPException(402, { cause }))).toBeNull();
    // getResponse() alone, without getStatus() or an HTTP status, is not an app HTTP exception.
    const odd = Object.assign(new Error('wrapped', { cause }), { getResponse: () => null });
    expect(at(odd)?.kind).toBe('rate_limited');
    const nanStatus = Object.assign(new Error('wrapped', { cause }), {
      getResponse: () => null,
      status: Number.NaN,
    });
    expect(at(nanStatus)?.kind).toBe('rate_limited');
  });
});

describe('network failures and timeouts', () => {
  it('fetch failed with a network code → upstream_error, retryable', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'UND_ERR_SOCKET']) {
      const c = at(fetchFailed(systemError(code, code)));
      expect(c, code).toMatchObject({
        kind: 'upstream_error',
        retryable: true,
        upstreamCode: code,
      });
      expect(c, code).not.toHaveProperty('upstreamStatus');
    }
    // Happy eyeballs: the cause is an AggregateError carrying the code.
    const aggregate = Object.assign(new AggregateError([new Error('a')], ''), {
      code: 'ECONNREFUSED',
    });
    expect(at(fetchFailed(aggregate))?.kind).toBe('upstream_error');
  });

  it('undici timeouts → upstream_timeout', () => {
    const headersTimeout = Object.assign(new Error('Headers Timeout Error'), {
      name: 'HeadersTimeoutError',
      code: 'UND_ERR_HEADERS_TIMEOUT',
    });
    expect(at(fetchFailed(headersTimeout))).toMatchObject({
      kind: 'upstream_timeout',
      retryable: true,
      upstreamCode: 'UND_ERR_HEADERS_TIMEOUT',
    });
    expect(at(headersTimeout)?.kind).toBe('upstream_timeout');
    const connect = Object.assign(new Error('Connect Timeout Error'), {
      code: 'UND_ERR_CONNECT_TIMEOUT',
    });
    expect(at(fetchFailed(connect))?.kind).toBe('upstream_timeout');
  });

  it('AbortSignal.timeout → upstream_timeout; a user abort → null', () => {
    expect(
      at(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ).toMatchObject({ kind: 'upstream_timeout', retryable: true });
    // p-timeout and friends also say TimeoutError, but time out arbitrary work: not evidence.
    expect(at(Object.assign(new Error('Promise timed out'), { name: 'TimeoutError' }))).toBeNull();
  });

  it('SDK connection errors', () => {
    expect(at(new OpenAI.APIConnectionTimeoutError())?.kind).toBe('upstream_timeout');
    expect(at(new OpenAI4.APIConnectionTimeoutError())?.kind).toBe('upstream_timeout');
    expect(at(new Anthropic.APIConnectionTimeoutError())?.kind).toBe('upstream_timeout');
    const refused = new OpenAI.APIConnectionError({
      cause: fetchFailed(systemError('ECONNREFUSED', 'refused')),
    });
    expect(at(refused)).toMatchObject({ kind: 'upstream_error', retryable: true });
    const timedOut = new Anthropic.APIConnectionError({
      message: 'Connection error.',
      cause: fetchFailed(Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' })),
    });
    expect(at(timedOut)?.kind).toBe('upstream_timeout');
  });

  it('uses the provider hint for errors that carry no provider', () => {
    expect(at(new OpenAI.APIConnectionTimeoutError(), 'azure-openai')?.provider).toBe(
      'azure-openai',
    );
    expect(at(new OpenAI.APIConnectionTimeoutError())?.provider).toBe('generic');
  });
});

describe('AWS SDK v3 errors (real exception classes)', () => {
  const meta = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'aws-req-1' });

  it('ThrottlingException → rate_limited with the dimension from the message', () => {
    const c = at(
      new ThrottlingException({
        message: 'Too many tokens, please wait before trying again.',
        $metadata: meta(429),
      }),
    );
    expect(c).toMatchObject({
      kind: 'rate_limited',
      provider: 'bedrock',
      retryable: true,
      dimension: 'tokens',
      upstreamStatus: 429,
      upstreamCode: 'ThrottlingException',
      upstreamRequestId: 'aws-req-1',
    });
  });

  it('ServiceUnavailableException and ModelNotReadyException → overloaded', () => {
    expect(
      at(new ServiceUnavailableException({ message: 'unavailable', $metadata: meta(503) }))?.kind,
    ).toBe('overloaded');
    expect(
      at(new ModelNotReadyException({ message: 'not ready', $metadata: meta(429) }))?.kind,
    ).toBe('overloaded');
  });

  it('AccessDeniedException → upstream_auth; too-long input → request_too_large', () => {
    expect(at(new AccessDeniedException({ message: 'denied', $metadata: meta(403) }))?.kind).toBe(
      'upstream_auth',
    );
    expect(
      at(
        new ValidationException({
          message: 'Input is too long for requested model.',
          $metadata: meta(400),
        }),
      ),
    ).toMatchObject({ kind: 'request_too_large', retryable: false, provider: 'bedrock' });
  });

  it('ServiceQuotaExceededException (daily token quota) → rate_limited, window from the message', () => {
    const c = at(
      new ServiceQuotaExceededException({
        message: 'Too many tokens per day, please wait before trying again.',
        $metadata: meta(400),
      }),
    );
    expect(c).toMatchObject({ kind: 'rate_limited', dimension: 'tokens', window: 'day' });
  });

  it('classifies by name and $fault when $metadata has no status', () => {
    const c = at(new ThrottlingException({ message: 'Too many requests', $metadata: {} }));
    expect(c).toMatchObject({ kind: 'rate_limited', provider: 'bedrock' });
    expect(c).not.toHaveProperty('upstreamStatus');
    const serverFault = Object.assign(new Error('boom'), {
      name: 'SomeServiceException',
      $fault: 'server',
      $metadata: {},
    });
    expect(at(serverFault)).toMatchObject({ kind: 'upstream_error', retryable: true });
    const clientFault = Object.assign(new Error('bad'), {
      name: 'SomeValidationError',
      $fault: 'client',
      $metadata: {},
    });
    expect(at(clientFault)).toMatchObject({ kind: 'upstream_error', retryable: false });
  });
});

describe('@google/genai ApiError (message holds the JSON body)', () => {
  const body = fixtureById('google.rate_limit.requests_per_minute').respond(NOW).body;

  it('parses the body out of the message', () => {
    const c = at(new ApiError({ message: JSON.stringify(body), status: 429 }));
    expect(c).toMatchObject({
      kind: 'rate_limited',
      provider: 'google',
      dimension: 'requests',
      window: 'minute',
      limit: 10,
      retryAfterMs: 47_885,
    });
  });

  it('unwraps a non-JSON-content-type body nested as text in error.message', () => {
    const inner = JSON.stringify({
      error: {
        code: 429,
        message: 'Resource has been exhausted (e.g. check quota).',
        status: 'RESOURCE_EXHAUSTED',
      },
    });
    const outer = JSON.stringify({
      error: { message: inner, code: 429, status: 'Too Many Requests' },
    });
    expect(at(new ApiError({ message: outer, status: 429 }))).toMatchObject({
      kind: 'rate_limited',
      provider: 'google',
      upstreamCode: 'RESOURCE_EXHAUSTED',
    });
  });

  it('unwraps a Vertex array body', () => {
    const vertex = [
      { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } },
    ];
    expect(at(new ApiError({ message: JSON.stringify(vertex), status: 503 }))).toMatchObject({
      kind: 'overloaded',
      provider: 'google',
    });
  });

  it('an ApiError whose message is not JSON is not from @google/genai: status only', () => {
    expect(at(new ApiError({ message: 'got status: 500', status: 500 }))).toMatchObject({
      kind: 'upstream_error',
      provider: 'generic',
      retryable: true,
    });
  });
});

describe('other HTTP clients', () => {
  it('Vercel AI SDK APICallError and RetryError.lastError', () => {
    const r = fixtureById('anthropic.overloaded').respond(NOW);
    const apiCallError = Object.assign(new Error('Overloaded'), {
      name: 'AI_APICallError',
      url: 'https://api.anthropic.com/v1/messages',
      statusCode: r.status,
      responseHeaders: r.headers,
      responseBody: JSON.stringify(r.body),
      isRetryable: true,
    });
    expect(at(apiCallError)).toMatchObject({ kind: 'overloaded', provider: 'anthropic' });
    const retryError = Object.assign(new Error('Failed after 3 attempts.'), {
      name: 'AI_RetryError',
      reason: 'maxRetriesExceeded',
      errors: [apiCallError],
      lastError: apiCallError,
    });
    expect(at(retryError)).toMatchObject({ kind: 'overloaded', upstreamStatus: 529 });
  });

  it('got / ky style: status and body on `response`', () => {
    const r = fixtureById('openai.insufficient_quota').respond(NOW);
    const got = Object.assign(new Error('Response code 429 (Too Many Requests)'), {
      name: 'HTTPError',
      response: { statusCode: 429, headers: r.headers, body: JSON.stringify(r.body) },
    });
    expect(at(got)).toMatchObject({ kind: 'quota_exhausted', provider: 'openai' });
  });

  it('bodies as bytes are decoded (axios arraybuffer, Buffers)', () => {
    const r = fixtureById('anthropic.rate_limit.input_tokens').respond(NOW);
    const bytes = new TextEncoder().encode(JSON.stringify(r.body));
    expect(at({ status: 429, headers: r.headers, body: bytes })?.dimension).toBe('input_tokens');
    expect(at({ status: 429, headers: r.headers, body: bytes.buffer })?.limit).toBe(20000);
  });
});

describe('errors inside a 200 stream (no HTTP status)', () => {
  it('@anthropic-ai/sdk overloaded_error event → overloaded, no upstreamStatus', () => {
    const err = new Anthropic.APIError(
      undefined,
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      undefined,
      new Headers({ 'request-id': 'req_stream_1' }),
    );
    const c = at(err);
    expect(c).toMatchObject({
      kind: 'overloaded',
      retryable: true,
      provider: 'anthropic',
      upstreamCode: 'overloaded_error',
      upstreamRequestId: 'req_stream_1',
    });
    expect(c).not.toHaveProperty('upstreamStatus');
  });

  it('openai-node error event → by its code', () => {
    const err = new OpenAI.APIError(
      undefined,
      { message: 'Rate limit reached', type: 'tokens', code: 'rate_limit_exceeded', param: null },
      undefined,
      new Headers({ 'x-request-id': 'req_s' }),
    );
    expect(at(err)).toMatchObject({
      kind: 'rate_limited',
      provider: 'openai',
      dimension: 'tokens',
    });
    const server = new OpenAI.APIError(
      undefined,
      { message: 'The server had an error', type: 'server_error', code: null, param: null },
      'An error occurred during streaming',
      undefined,
    );
    expect(at(server)).toMatchObject({ kind: 'upstream_error', retryable: true });
  });
});
