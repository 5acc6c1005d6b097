import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/index.js';
import { UpstreamHttpError } from '../../src/upstream-http-error.js';

const NOW = FIXTURE_NOW;
const at = (thrown: unknown, provider?: string) =>
  classify(thrown, provider !== undefined ? { now: NOW, provider } : { now: NOW });

describe('provider detection and provider hints', () => {
  it('hints are canonical: trimmed, lower-case, aliases resolved like the remediation catalogue', () => {
    const r = { status: 429, headers: { 'retry-after': '86400' }, body: 'Too Many Requests' };
    expect(at(r, ' Azure ')).toMatchObject({ provider: 'azure-openai', kind: 'quota_exhausted' });
    expect(at(r, 'gemini')?.provider).toBe('google');
    expect(at(r, 'Mistral')?.provider).toBe('mistral');
    expect(at(r, '')?.provider).toBe('generic');
    expect(at(r)).toMatchObject({
      provider: 'generic',
      kind: 'rate_limited',
      retryAfterMs: 86_400_000,
    });
  });

  it('a hint never overrides what the response itself says', () => {
    const r = fixtureById('anthropic.overloaded').respond(NOW);
    expect(at(r, 'openai')?.provider).toBe('anthropic');
    const gh = fixtureById('stripe.lock_timeout').respond(NOW);
    expect(at(gh, 'stripe')?.provider).toBe('stripe');
  });

  it('names GitHub by its headers or documentation_url, so its own remedies apply', () => {
    expect(at(fixtureById('github.primary_rate_limit').respond(NOW))?.provider).toBe('github');
    const byDocs = at({
      status: 403,
      headers: {},
      body: {
        message: 'You have exceeded a secondary rate limit.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    });
    expect(byDocs).toMatchObject({ provider: 'github', kind: 'rate_limited' });
    expect(byDocs?.remediation.steps.map((s) => s.id)).toContain('github.wait-for-reset');
  });

  it('takes the provider an UpstreamHttpError names, and request ids from SDK fields and bodies', () => {
    const withProvider = Object.assign(new Error('x'), {
      name: 'UpstreamHttpError',
      status: 429,
      headers: new Headers(),
      body: undefined,
      provider: 'mistral',
    });
    expect(at(withProvider)?.provider).toBe('mistral');
    const r = fixtureById('anthropic.auth').respond(NOW);
    expect(at({ status: 401, headers: {}, body: r.body })?.upstreamRequestId).toBe(
      'req_011CAnthropicAuth0000000000001',
    );
  });
});

describe('OpenAI-compatible providers', () => {
  const quota = { error: { message: 'x', type: 'requests', param: null, code: null } };

  it('names the provider from the request host, which OpenAI-shaped bodies cannot tell apart', () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['https://api.mistral.ai/v1/chat/completions', 'mistral'],
      ['https://api.cohere.com/compatibility/v1/chat/completions', 'cohere'],
      ['https://api.cohere.ai/v1/chat', 'cohere'],
      ['https://api.deepseek.com/chat/completions', 'deepseek'],
      ['https://api.x.ai/v1/chat/completions', 'xai'],
      ['https://api.together.xyz/v1/chat/completions', 'together'],
      ['https://api.fireworks.ai/inference/v1/chat/completions', 'fireworks'],
      ['https://api.perplexity.ai/chat/completions', 'perplexity'],
      ['https://api.groq.com/openai/v1/chat/completions', 'groq'],
      ['https://generativelanguage.googleapis.com/v1beta/openai/chat/completions', 'google'],
      ['https://api.anthropic.com/v1/chat/completions', 'anthropic'],
      ['https://openrouter.ai/api/v1/chat/completions', 'openrouter'],
      ['https://my-res.openai.azure.com/openai/deployments/d/chat/completions', 'azure-openai'],
      ['http://localhost:11434/v1/chat/completions', 'ollama'],
      ['http://127.0.0.1:11434/api/chat', 'ollama'],
      ['https://API.Mistral.AI:443/v1/chat/completions?key=abc', 'mistral'],
    ];
    for (const [url, provider] of cases) {
      const e = new UpstreamHttpError({ status: 429, body: quota, url });
      expect(at(e)?.provider, url).toBe(provider);
    }
    // Without a known host the OpenAI shape is all there is.
    expect(at(new UpstreamHttpError({ status: 429, body: quota }))?.provider).toBe('openai');
    for (const url of [
      'http://localhost:8000/v1/chat/completions',
      'https://api.mistral.ai.example.com/v1',
      'https://evil.example/api.mistral.ai/v1',
      '/v1/chat/completions',
    ]) {
      expect(at(new UpstreamHttpError({ status: 429, body: quota, url }))?.provider, url).toBe(
        'openai',
      );
    }
  });

  it('reads the URL where HTTP clients keep it: AI SDK url, axios config, fetch response.url', () => {
    const body = { error: { message: 'x', type: 'requests', param: null, code: null } };
    const aiSdk = Object.assign(new Error('Too Many Requests'), {
      name: 'AI_APICallError',
      url: 'https://api.deepseek.com/chat/completions',
      statusCode: 429,
      responseHeaders: {},
      responseBody: JSON.stringify(body),
    });
    expect(at(aiSdk)?.provider).toBe('deepseek');
    const axios = Object.assign(new Error('Request failed with status code 429'), {
      isAxiosError: true,
      config: { baseURL: 'https://api.x.ai/v1', url: '/chat/completions' },
      response: { status: 429, headers: {}, data: body },
    });
    expect(at(axios)?.provider).toBe('xai');
    const fetchLike = {
      status: 429,
      headers: {},
      body,
      response: { url: 'https://api.together.xyz/v1/chat/completions' },
    };
    expect(at(fetchLike)?.provider).toBe('together');
  });

  it('a named provider still wins over the host, and the host over a hint', () => {
    const e = new UpstreamHttpError({
      status: 429,
      body: quota,
      url: 'https://api.mistral.ai/v1',
      provider: 'my-gateway',
    });
    expect(at(e)?.provider).toBe('my-gateway');
    const unnamed = new UpstreamHttpError({ status: 429, body: quota, url: 'https://api.x.ai/v1' });
    expect(at(unnamed, 'openai')?.provider).toBe('xai');
  });

  it('openai-node errors carry no URL: the hint names the endpoint', () => {
    const sdk = Object.assign(new Error('429 status code (no body)'), {
      status: 429,
      headers: new Headers({ 'content-type': 'application/json' }),
      error: undefined,
      code: undefined,
      param: undefined,
      type: undefined,
    });
    expect(at(sdk)?.provider).toBe('generic');
    expect(at(sdk, 'mistralai')?.provider).toBe('mistral');
    expect(at(sdk, 'x-ai')?.provider).toBe('xai');
  });

  it('tells Mistral from vLLM by the top-level envelope, both without a URL', () => {
    const mistral = (type: string, code: unknown) => ({
      status: 400,
      headers: {},
      body: { object: 'error', message: 'x', type, param: null, code },
    });
    expect(at(mistral('invalid_request_error', null))?.provider).toBe('mistral');
    expect(at(mistral('BadRequestError', 400))?.provider).toBe('vllm');
    // A Python class name with a string code is neither.
    expect(at(mistral('BadRequestError', 'x'))?.provider).toBe('generic');
    expect(
      at({
        status: 404,
        headers: {},
        body: { error: { message: 'x', type: 'NotFoundError', param: null, code: 404 } },
      })?.provider,
    ).toBe('vllm');
  });

  it('recorded fixtures name their providers from body and headers alone', () => {
    for (const [id, provider] of [
      ['mistral.rate_limit.requests', 'mistral'],
      ['cohere.trial.per_minute', 'cohere'],
      ['deepseek.insufficient_balance', 'deepseek'],
      ['xai.credits_or_spending_limit', 'xai'],
      ['together.rate_limit.free_tier', 'together'],
      ['fireworks.rate_limit', 'fireworks'],
      ['fireworks.usage_limits', 'fireworks'],
      ['perplexity.invalid_model', 'perplexity'],
      ['ollama.native.model_not_found', 'ollama'],
      ['vllm.context_length', 'vllm'],
    ] as const) {
      expect(at(fixtureById(id).respond(NOW))?.provider, id).toBe(provider);
    }
  });
});

describe('remediation of the new providers', () => {
  it('points each cap at who pays and where', () => {
    const steps = (id: string) =>
      at(fixtureById(id).respond(NOW))?.remediation.steps.map((s) => s.id) ?? [];
    expect(steps('cohere.trial.monthly_limit')).toContain('cohere.production-key');
    expect(steps('xai.credits_or_spending_limit')).toContain('xai.buy-credits-or-raise-limit');
    expect(steps('deepseek.insufficient_balance')).toContain('deepseek.top-up');
    expect(steps('vllm.context_length')).toContain('local.raise-context-length');
    // Groq keeps the generic remediation it had: no Groq entry in the catalogue yet.
    expect(steps('groq.flex.capacity_exceeded').every((id) => id.startsWith('generic.'))).toBe(
      true,
    );
  });
});
