import { UpstreamHttpError } from '@four29/core';
import nodeFetch from 'node-fetch';
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

describe('node-fetch', () => {
  it('HTTP errors through UpstreamHttpError.fromResponse (429 with retry-after, quota)', async () => {
    const limited = await nodeFetch(`${scenarioUrl(up, 'rate_limited_requests')}/v1/messages`, {
      method: 'POST',
      body: ANTHROPIC_BODY,
      headers: ANTHROPIC_HEADERS,
    });
    const { handled } = expectUpstream(await UpstreamHttpError.fromResponse(limited), {
      kind: 'rate_limited',
      provider: 'anthropic',
      retryAfterMs: 7000,
    });
    expect(handled.headers['retry-after']).toBe('7');
    const quota = await nodeFetch(`${scenarioUrl(up, 'insufficient_quota')}/v1/chat/completions`, {
      method: 'POST',
      body: OPENAI_BODY,
      headers: OPENAI_HEADERS,
    });
    expectUpstream(await UpstreamHttpError.fromResponse(quota), {
      kind: 'quota_exhausted',
      provider: 'openai',
    });
  });

  it('FetchError of type system: connection refused', async () => {
    const thrown = await thrownBy(() => nodeFetch(up.closedUrl));
    expect(thrown).toMatchObject({ name: 'FetchError', type: 'system', code: 'ECONNREFUSED' });
    expectUpstream(thrown, { kind: 'upstream_error', upstreamCode: 'ECONNREFUSED' });
  });

  it('a timeout signal: node-fetch 3 drops the reason, so it reads as the caller’s abort', async () => {
    // node-fetch 3 has no timeout option and rethrows any abort as its own AbortError, without
    // the signal's TimeoutError: nothing tells it from a user abort (docs/clients.md: rethrow
    // `signal.reason`, which the handler does recognise).
    const signal = AbortSignal.timeout(CLIENT_TIMEOUT_MS);
    const thrown = await thrownBy(() => nodeFetch(up.hangUrl, { signal }));
    expect(thrown).toMatchObject({ name: 'AbortError', type: 'aborted' });
    expectNotUpstream(thrown);
    expectUpstream(signal.reason, { kind: 'upstream_timeout' });
  });
});
