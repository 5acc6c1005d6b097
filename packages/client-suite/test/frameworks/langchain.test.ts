import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_TIMEOUT_MS,
  expectNotUpstream,
  expectUpstream,
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

// maxRetries 0: LangChain's AsyncCaller otherwise backs off up to six times.
const openai = (base: string, timeout?: number) =>
  new ChatOpenAI({
    apiKey: 'sk-test',
    model: 'gpt-4o-mini',
    configuration: { baseURL: `${base}/v1` },
    maxRetries: 0,
    ...(timeout !== undefined ? { timeout } : {}),
  });
const anthropic = (base: string, timeout?: number) =>
  new ChatAnthropic({
    apiKey: 'sk-ant-test',
    model: 'claude-sonnet-4-5',
    anthropicApiUrl: base,
    maxRetries: 0,
    ...(timeout !== undefined ? { clientOptions: { timeout } } : {}),
  });

describe('LangChain JS: @langchain/openai', () => {
  it('429 rate limit (the SDK error, with lc_error_code added)', async () => {
    const thrown = await thrownBy(() =>
      openai(scenarioUrl(up, 'rate_limited_requests')).invoke('hi'),
    );
    expect(thrown).toMatchObject({ lc_error_code: 'MODEL_RATE_LIMIT' });
    expectUpstream(thrown, { kind: 'rate_limited', provider: 'openai', retryAfterMs: 20_000 });
  });

  it('insufficient_quota, which LangChain also tags MODEL_RATE_LIMIT, is quota', async () => {
    const thrown = await thrownBy(() => openai(scenarioUrl(up, 'insufficient_quota')).invoke('hi'));
    expect(thrown).toMatchObject({ lc_error_code: 'MODEL_RATE_LIMIT' });
    expectUpstream(thrown, { kind: 'quota_exhausted', provider: 'openai', retryable: false });
  });

  it('connection refused (APIConnectionError)', async () => {
    const thrown = await thrownBy(() => openai(up.closedUrl).invoke('hi'));
    expectUpstream(thrown, { kind: 'upstream_error', upstreamCode: 'ECONNREFUSED' });
  });

  it('the model’s timeout: LangChain’s own TimeoutError (a bare Error, stamped retryable)', async () => {
    const thrown = await thrownBy(() => openai(up.hangUrl, CLIENT_TIMEOUT_MS).invoke('hi'));
    expect(thrown).toMatchObject({ name: 'TimeoutError', message: 'Request timed out.' });
    expect(Object.getPrototypeOf(thrown)).toBe(Error.prototype);
    expectUpstream(thrown, { kind: 'upstream_timeout', retryable: true });
  });

  it('a per-call timeout reaches the SDK as an abort: it reads as the caller’s (known gap)', async () => {
    // invoke(…, { timeout }) aborts the SDK's signal; LangChain rethrows that as AbortError and
    // keeps nothing of the timeout (docs/clients.md: use the model's `timeout` option).
    const thrown = await thrownBy(() =>
      openai(up.hangUrl).invoke('hi', { timeout: CLIENT_TIMEOUT_MS }),
    );
    expect(thrown).toMatchObject({ name: 'AbortError' });
    expectNotUpstream(thrown);
  });

  it('the caller aborting is not an upstream error', async () => {
    const controller = new AbortController();
    const pending = openai(up.hangUrl).invoke('hi', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expectNotUpstream(await thrownBy(() => pending));
  });
});

describe('LangChain JS: @langchain/anthropic', () => {
  it('429 with retry-after', async () => {
    const thrown = await thrownBy(() =>
      anthropic(scenarioUrl(up, 'rate_limited_requests')).invoke('hi'),
    );
    const { handled } = expectUpstream(thrown, {
      kind: 'rate_limited',
      provider: 'anthropic',
      retryAfterMs: 7000,
    });
    expect(handled.headers['retry-after']).toBe('7');
  });

  it('credit balance too low is quota', async () => {
    const thrown = await thrownBy(() =>
      anthropic(scenarioUrl(up, 'insufficient_quota')).invoke('hi'),
    );
    expectUpstream(thrown, { kind: 'quota_exhausted', provider: 'anthropic', retryable: false });
  });

  it('connection refused and the client timeout', async () => {
    expectUpstream(await thrownBy(() => anthropic(up.closedUrl).invoke('hi')), {
      kind: 'upstream_error',
      upstreamCode: 'ECONNREFUSED',
    });
    expectUpstream(await thrownBy(() => anthropic(up.hangUrl, CLIENT_TIMEOUT_MS).invoke('hi')), {
      kind: 'upstream_timeout',
      retryable: true,
    });
  });
});
