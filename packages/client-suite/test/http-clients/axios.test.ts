import axios from 'axios';
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

const post = (url: string, extra: Parameters<typeof axios.post>[2] = {}) =>
  axios.post(`${url}/v1/chat/completions`, OPENAI_BODY, { headers: OPENAI_HEADERS, ...extra });

describe('axios', () => {
  it('AxiosError 429 with retry-after (Anthropic): response.status, headers, data', async () => {
    const thrown = await thrownBy(() =>
      axios.post(`${scenarioUrl(up, 'rate_limited_requests')}/v1/messages`, ANTHROPIC_BODY, {
        headers: ANTHROPIC_HEADERS,
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

  it('AxiosError insufficient_quota', async () => {
    const thrown = await thrownBy(() => post(scenarioUrl(up, 'insufficient_quota')));
    expectUpstream(thrown, { kind: 'quota_exhausted', provider: 'openai', retryable: false });
  });

  it('timeout: ECONNABORTED, and ETIMEDOUT with clarifyTimeoutError', async () => {
    const aborted = await thrownBy(() => post(up.hangUrl, { timeout: CLIENT_TIMEOUT_MS }));
    expect(aborted).toMatchObject({ code: 'ECONNABORTED' });
    expectUpstream(aborted, { kind: 'upstream_timeout', upstreamCode: 'ECONNABORTED' });
    const clarified = await thrownBy(() =>
      post(up.hangUrl, {
        timeout: CLIENT_TIMEOUT_MS,
        transitional: { clarifyTimeoutError: true },
      }),
    );
    expect(clarified).toMatchObject({ code: 'ETIMEDOUT' });
    expectUpstream(clarified, { kind: 'upstream_timeout', upstreamCode: 'ETIMEDOUT' });
  });

  it('connection refused', async () => {
    const thrown = await thrownBy(() => post(up.closedUrl));
    expectUpstream(thrown, { kind: 'upstream_error', upstreamCode: 'ECONNREFUSED' });
  });

  it('ERR_NETWORK (the fetch adapter)', async () => {
    const thrown = await thrownBy(() => post(up.closedUrl, { adapter: 'fetch' }));
    expect(thrown).toMatchObject({ isAxiosError: true });
    expectUpstream(thrown, { kind: 'upstream_error', retryable: true });
  });

  it('the caller aborting (ERR_CANCELED) is not an upstream error', async () => {
    const controller = new AbortController();
    const pending = post(up.hangUrl, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expectNotUpstream(await thrownBy(() => pending));
  });
});
