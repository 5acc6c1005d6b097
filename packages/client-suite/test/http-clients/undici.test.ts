import { UpstreamHttpError } from '@four29/core';
import { Agent, interceptors, request, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANTHROPIC_BODY,
  ANTHROPIC_HEADERS,
  CLIENT_TIMEOUT_MS,
  expectNotUpstream,
  expectUpstream,
  OPENAI_BODY,
  OPENAI_HEADERS,
  scenarioUrl,
  startUpstreams,
  thrownBy,
  type Upstreams,
} from '../../src/index.js';

let up: Upstreams;
beforeAll(async () => {
  up = await startUpstreams();
});
afterAll(() => up.close());

const throwing = new Agent().compose(interceptors.responseError());
afterAll(() => throwing.close());

describe('undici request()', () => {
  it('ResponseError 429 with retry-after (interceptors.responseError)', async () => {
    const thrown = await thrownBy(() =>
      request(`${scenarioUrl(up, 'rate_limited_requests')}/v1/messages`, {
        method: 'POST',
        body: ANTHROPIC_BODY,
        headers: ANTHROPIC_HEADERS,
        dispatcher: throwing,
      }),
    );
    expect(thrown).toMatchObject({ name: 'ResponseError', code: 'UND_ERR_RESPONSE' });
    const { handled } = expectUpstream(thrown, {
      kind: 'rate_limited',
      provider: 'anthropic',
      upstreamStatus: 429,
      retryAfterMs: 7000,
    });
    expect(handled.headers['retry-after']).toBe('7');
  });

  it('ResponseError insufficient_quota (the interceptor parses the JSON body)', async () => {
    const thrown = await thrownBy(() =>
      request(`${scenarioUrl(up, 'insufficient_quota')}/v1/chat/completions`, {
        method: 'POST',
        body: OPENAI_BODY,
        headers: OPENAI_HEADERS,
        dispatcher: throwing,
      }),
    );
    expectUpstream(thrown, { kind: 'quota_exhausted', provider: 'openai', retryable: false });
  });

  it('HeadersTimeoutError (UND_ERR_HEADERS_TIMEOUT)', async () => {
    const thrown = await thrownBy(() => request(up.hangUrl, { headersTimeout: CLIENT_TIMEOUT_MS }));
    expectUpstream(thrown, {
      kind: 'upstream_timeout',
      retryable: true,
      upstreamCode: 'UND_ERR_HEADERS_TIMEOUT',
    });
  });

  it('connection refused: a bare system error, indistinguishable from a database driver’s', async () => {
    // undici.request rejects with Node's own `connect ECONNREFUSED` error, no undici marks at all:
    // exactly what pg or ioredis throw. It stays the app's error (docs/clients.md).
    const thrown = await thrownBy(() => request(up.closedUrl));
    expect(thrown).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
    expectNotUpstream(thrown);
  });
});

describe('undici fetch()', () => {
  it('HTTP errors through UpstreamHttpError.fromResponse', async () => {
    const res = await undiciFetch(`${scenarioUrl(up, 'insufficient_quota')}/v1/chat/completions`, {
      method: 'POST',
      body: OPENAI_BODY,
      headers: OPENAI_HEADERS,
    });
    expectUpstream(await UpstreamHttpError.fromResponse(res), {
      kind: 'quota_exhausted',
      provider: 'openai',
    });
  });

  it('a dispatcher headersTimeout: fetch failed caused by UND_ERR_HEADERS_TIMEOUT', async () => {
    const agent = new Agent({ headersTimeout: CLIENT_TIMEOUT_MS });
    const thrown = await thrownBy(() => undiciFetch(up.hangUrl, { dispatcher: agent }));
    await agent.close();
    expect(thrown).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expectUpstream(thrown, { kind: 'upstream_timeout', upstreamCode: 'UND_ERR_HEADERS_TIMEOUT' });
  });

  it('AbortSignal.timeout: the TimeoutError DOMException', async () => {
    const thrown = await thrownBy(() =>
      undiciFetch(up.hangUrl, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) }),
    );
    expectUpstream(thrown, { kind: 'upstream_timeout', retryable: true });
  });

  it('connection refused', async () => {
    const thrown = await thrownBy(() => undiciFetch(up.closedUrl));
    expectUpstream(thrown, { kind: 'upstream_error', upstreamCode: 'ECONNREFUSED' });
  });

  it('the caller aborting is not an upstream error', async () => {
    const controller = new AbortController();
    const pending = undiciFetch(up.hangUrl, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expectNotUpstream(await thrownBy(() => pending));
  });
});
