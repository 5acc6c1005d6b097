import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, type LanguageModel } from 'ai';
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

type Provider = 'openai' | 'anthropic' | 'google';

function model(provider: Provider, base: string, fetch?: typeof globalThis.fetch): LanguageModel {
  const f = fetch !== undefined ? { fetch } : {};
  if (provider === 'openai')
    return createOpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, ...f }).chat('gpt-4o-mini');
  if (provider === 'anthropic')
    return createAnthropic({ apiKey: 'sk-ant-test', baseURL: `${base}/v1`, ...f })(
      'claude-sonnet-4-5',
    );
  return createGoogleGenerativeAI({ apiKey: 'AIzaTest', baseURL: `${base}/v1beta`, ...f })(
    'gemini-2.5-flash',
  );
}

const call = (m: LanguageModel, extra: { maxRetries?: number; abortSignal?: AbortSignal } = {}) =>
  generateText({ model: m, prompt: 'hi', ...extra });

const PROVIDERS: readonly Provider[] = ['openai', 'anthropic', 'google'];

describe('Vercel AI SDK, maxRetries: 0 (APICallError)', () => {
  it.each(PROVIDERS)('%s: 429 rate limit', async (provider) => {
    const thrown = await thrownBy(() =>
      call(model(provider, scenarioUrl(up, 'rate_limited_requests')), { maxRetries: 0 }),
    );
    expect(thrown).toMatchObject({ name: 'AI_APICallError', statusCode: 429 });
    expectUpstream(thrown, { kind: 'rate_limited', provider, retryable: true });
  });

  it.each(PROVIDERS)(
    '%s: no quota left is quota_exhausted, never rate_limited',
    async (provider) => {
      const thrown = await thrownBy(() =>
        call(model(provider, scenarioUrl(up, 'insufficient_quota')), { maxRetries: 0 }),
      );
      expectUpstream(thrown, { kind: 'quota_exhausted', provider, retryable: false });
    },
  );

  it.each(PROVIDERS)('%s: connection refused', async (provider) => {
    const thrown = await thrownBy(() => call(model(provider, up.closedUrl), { maxRetries: 0 }));
    expect(thrown).toMatchObject({ name: 'AI_APICallError' });
    expect(thrown).not.toHaveProperty('statusCode', expect.anything());
    expectUpstream(thrown, {
      kind: 'upstream_error',
      retryable: true,
      upstreamCode: 'ECONNREFUSED',
    });
  });

  it.each(PROVIDERS)('%s: abortSignal timeout against a server that never answers', async (p) => {
    const thrown = await thrownBy(() =>
      call(model(p, up.hangUrl), {
        maxRetries: 0,
        abortSignal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      }),
    );
    expectUpstream(thrown, { kind: 'upstream_timeout', retryable: true });
  });

  it('the caller aborting is not an upstream error', async () => {
    const controller = new AbortController();
    const pending = call(model('openai', up.hangUrl), {
      maxRetries: 0,
      abortSignal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    expectNotUpstream(await thrownBy(() => pending));
  });

  it('the provider of a connection error comes from the API host the SDK called', async () => {
    // The SDK is pointed at the real hosts; its `fetch` option sends the bytes to the closed port.
    const toClosedPort: typeof globalThis.fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      return fetch(`${up.closedUrl}${url.pathname}`, init);
    };
    const hosts: Record<Provider, string> = {
      openai: 'https://api.openai.com',
      anthropic: 'https://api.anthropic.com',
      google: 'https://generativelanguage.googleapis.com',
    };
    for (const provider of PROVIDERS) {
      const thrown = await thrownBy(() =>
        call(model(provider, hosts[provider], toClosedPort), { maxRetries: 0 }),
      );
      expectUpstream(thrown, { kind: 'upstream_error', provider });
    }
  });
});

// The SDK's own backoff really runs here (2 s, then 4 s): concurrent, so the file waits ~6 s once.
describe.concurrent('Vercel AI SDK with retries (RetryError wraps lastError and errors)', () => {
  it('default retries, OpenAI insufficient_quota (the SDK retries any 429): still quota', async () => {
    const thrown = await thrownBy(() =>
      call(model('openai', scenarioUrl(up, 'insufficient_quota'))),
    );
    expect(thrown).toMatchObject({ name: 'AI_RetryError', reason: 'maxRetriesExceeded' });
    expect((thrown as { errors: unknown[] }).errors).toHaveLength(3);
    expectUpstream(thrown, {
      kind: 'quota_exhausted',
      provider: 'openai',
      retryable: false,
      upstreamCode: 'insufficient_quota',
    });
  });

  it('default retries, connection refused', async () => {
    const thrown = await thrownBy(() => call(model('anthropic', up.closedUrl)));
    expect(thrown).toMatchObject({ name: 'AI_RetryError' });
    expectUpstream(thrown, { kind: 'upstream_error', upstreamCode: 'ECONNREFUSED' });
  });

  it('maxRetries: 1, Gemini 429 rate limit', async () => {
    const thrown = await thrownBy(() =>
      call(model('google', scenarioUrl(up, 'rate_limited_requests')), { maxRetries: 1 }),
    );
    expect(thrown).toMatchObject({ name: 'AI_RetryError' });
    expectUpstream(thrown, { kind: 'rate_limited', provider: 'google', upstreamStatus: 429 });
  });

  it('a non-retryable error is thrown as it is (Anthropic credit balance)', async () => {
    const thrown = await thrownBy(() =>
      call(model('anthropic', scenarioUrl(up, 'insufficient_quota'))),
    );
    expect(thrown).toMatchObject({ name: 'AI_APICallError', statusCode: 400 });
    expectUpstream(thrown, { kind: 'quota_exhausted', provider: 'anthropic' });
  });
});
