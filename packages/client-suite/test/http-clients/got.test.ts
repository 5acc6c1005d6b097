import got, { type OptionsOfTextResponseBody } from 'got';
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

const post = (url: string, extra: OptionsOfTextResponseBody = {}) =>
  got.post(`${url}/v1/chat/completions`, {
    body: OPENAI_BODY,
    headers: OPENAI_HEADERS,
    retry: { limit: 0 },
    ...extra,
  });

describe('got', () => {
  it('HTTPError 429 with retry-after (Anthropic)', async () => {
    const thrown = await thrownBy(() =>
      got.post(`${scenarioUrl(up, 'rate_limited_requests')}/v1/messages`, {
        body: ANTHROPIC_BODY,
        headers: ANTHROPIC_HEADERS,
        retry: { limit: 0 },
      }),
    );
    const { handled } = expectUpstream(thrown, {
      kind: 'rate_limited',
      provider: 'anthropic',
      upstreamStatus: 429,
      retryAfterMs: 7000,
    });
    expect(handled.headers['retry-after']).toBe('7');
  });

  it('HTTPError 429 insufficient_quota is quota, not a rate limit', async () => {
    const thrown = await thrownBy(() => post(scenarioUrl(up, 'insufficient_quota')));
    expectUpstream(thrown, {
      kind: 'quota_exhausted',
      provider: 'openai',
      retryable: false,
      upstreamCode: 'insufficient_quota',
    });
  });

  it('TimeoutError against a server that never answers', async () => {
    const thrown = await thrownBy(() =>
      post(up.hangUrl, { timeout: { request: CLIENT_TIMEOUT_MS } }),
    );
    expect(thrown).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' });
    expectUpstream(thrown, {
      kind: 'upstream_timeout',
      retryable: true,
      upstreamCode: 'ETIMEDOUT',
    });
  });

  it('RequestError ECONNREFUSED', async () => {
    const thrown = await thrownBy(() => post(up.closedUrl));
    expect(thrown).toMatchObject({ name: 'RequestError', code: 'ECONNREFUSED' });
    expectUpstream(thrown, {
      kind: 'upstream_error',
      retryable: true,
      upstreamCode: 'ECONNREFUSED',
    });
  });

  it('the caller aborting is not an upstream error', async () => {
    const controller = new AbortController();
    const pending = post(up.hangUrl, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expectNotUpstream(await thrownBy(() => pending));
  });
});
