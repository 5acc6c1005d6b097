import { scenarioFixture } from '@four29/fixtures';
import OpenAI, {
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  AzureOpenAI,
  BadRequestError,
  InternalServerError,
  RateLimitError,
} from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, REPLY, STREAM_ERROR_AFTER, startMockUpstream } from '../src/index.js';
import { chatBody, ERROR_SCENARIOS, expectFixtureHeaders } from './helpers.js';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock.close();
});

const openai = (scenario?: string) =>
  new OpenAI({
    apiKey: 'sk-test-openai',
    baseURL: scenario === undefined ? `${mock.url}/v1` : `${mock.url}/scenario/${scenario}/v1`,
    maxRetries: 0,
  });

/** The SDK's class for a status, per openai-node's APIError.generate. */
function errorClassFor(status: number) {
  if (status === 400) return BadRequestError;
  if (status === 401) return AuthenticationError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return InternalServerError;
  return APIError;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

describe('OpenAI chat completions', () => {
  it('answers a completion the SDK parses, with honest usage and rate-limit headers', async () => {
    const { data, response } = await openai().chat.completions.create(chatBody).withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.model).toBe('gpt-4o-mini');
    expect(data.choices[0]?.message.content).toBe(REPLY);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.total_tokens).toBe(
      (data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0),
    );
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('10000');
    expect(Number(response.headers.get('x-ratelimit-remaining-requests'))).toBeLessThan(10000);
    expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+m)?[\d.]+s$/);
  });

  it('honours max_tokens with finish_reason length', async () => {
    const data = await openai().chat.completions.create({ ...chatBody, max_tokens: 2 });
    expect(data.choices[0]?.finish_reason).toBe('length');
    expect(data.usage?.completion_tokens).toBe(2);
    expect(data.choices[0]?.message.content).toBe('Hello! This');
  });

  it('streams chat.completion.chunk events that the SDK turns back into the text', async () => {
    const stream = await openai().chat.completions.create({
      ...chatBody,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishes: (string | null)[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        finishes.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(REPLY);
    expect(finishes.at(-1)).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('sends the raw stream exactly as SSE, ending with data: [DONE]', async () => {
    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-raw' },
      body: JSON.stringify({ ...chatBody, stream: true }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const raw = await res.text();
    const frames = raw.split('\n\n').filter((f) => f !== '');
    expect(frames.every((f) => f.startsWith('data: '))).toBe(true);
    expect(frames.at(-1)).toBe('data: [DONE]');
  });

  it.each(ERROR_SCENARIOS)('%s throws the SDK error for the replayed fixture', async (scenario) => {
    const fixture = scenarioFixture('openai', scenario);
    expect(fixture, `fixture for openai/${scenario}`).toBeDefined();
    const before = Date.now();
    const err = await caught(openai(scenario).chat.completions.create(chatBody));
    const after = Date.now();
    expect(err).toBeInstanceOf(APIError);
    const apiError = err as APIError;
    const status = apiError.status ?? 0;
    expect(err).toBeInstanceOf(errorClassFor(status));
    expect(apiError.headers?.get('x-mock-fixture')).toBe(fixture?.id);
    expectFixtureHeaders(apiError.headers as Headers, status, before, after);
    const body = fixture?.respond(after).body as { error: unknown };
    expect(apiError.error).toEqual(body.error);
  });

  it('selects a scenario per request with the x-mock-scenario header', async () => {
    const err = await caught(
      openai().chat.completions.create(chatBody, {
        headers: { 'x-mock-scenario': 'insufficient_quota' },
      }),
    );
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).code).toBe('insufficient_quota');
  });

  it('stream_error yields some text, then the SDK throws the error event', async () => {
    const stream = await openai('stream_error').chat.completions.create({
      ...chatBody,
      stream: true,
    });
    let text = '';
    const err = await caught(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toBe(REPLY);
    expect(text.split(/(?=\s)/)).toHaveLength(STREAM_ERROR_AFTER);
    expect(err).toBeInstanceOf(APIError);
    const fallback = scenarioFixture('openai', 'server_error')?.respond(Date.now()).body as {
      error: unknown;
    };
    expect((err as APIError).error).toEqual(fallback.error);
  });

  it('timeout hangs until the client gives up', async () => {
    const client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: `${mock.url}/scenario/timeout/v1`,
      maxRetries: 0,
      timeout: 200,
    });
    const err = await caught(client.chat.completions.create(chatBody));
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
    expect(mock.requests.some((r) => r.scenario === 'timeout' && r.status === null)).toBe(true);
  });

  it('answers invalid requests with a 400 the SDK parses', async () => {
    const err = await caught(
      openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [] }),
    );
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).message).toMatch(/mock-upstream: 'messages'/);
  });
});

describe('Azure OpenAI shape', () => {
  const azure = (scenario?: string) =>
    new AzureOpenAI({
      apiKey: 'azure-test-key',
      endpoint: scenario === undefined ? mock.url : `${mock.url}/scenario/${scenario}`,
      apiVersion: '2024-10-21',
      deployment: 'gpt-4o-mini',
      maxRetries: 0,
    });

  it('answers on /openai/deployments/{d}/chat/completions with content filter results', async () => {
    const { data, response } = await azure()
      .chat.completions.create({ ...chatBody, model: '' })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(REPLY);
    expect(data).toHaveProperty('prompt_filter_results');
    expect(response.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toMatch(/^\d+$/);
    const last = mock.requests.at(-1);
    expect(last?.provider).toBe('azure-openai');
    expect(last?.path).toBe('/openai/deployments/gpt-4o-mini/chat/completions');
  });

  it('streams, starting with the prompt filter chunk', async () => {
    const stream = await azure().chat.completions.create({ ...chatBody, stream: true });
    let text = '';
    let first: unknown;
    for await (const chunk of stream) {
      first ??= chunk;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(first).toHaveProperty('prompt_filter_results');
    expect(text).toBe(REPLY);
  });

  it("replays Azure's own 429 with a string code", async () => {
    const err = await caught(azure('rate_limited_tokens').chat.completions.create(chatBody));
    expect(err).toBeInstanceOf(RateLimitError);
    const apiError = err as RateLimitError;
    expect(apiError.headers.get('x-mock-fixture')).toBe('azure.rate_limit.tokens');
    expect(apiError.code).toBe('429');
    expect(apiError.headers.get('retry-after')).toBe('33');
  });
});

describe('OpenRouter shape', () => {
  const openrouter = (scenario?: string) =>
    new OpenAI({
      apiKey: 'sk-or-test',
      baseURL:
        scenario === undefined ? `${mock.url}/api/v1` : `${mock.url}/scenario/${scenario}/api/v1`,
      maxRetries: 0,
    });

  it('answers with a gen- id and the upstream provider name', async () => {
    const data = await openrouter().chat.completions.create(chatBody);
    expect(data.id).toMatch(/^gen-/);
    expect(data).toHaveProperty('provider', 'OpenAI');
    expect(data.choices[0]?.message.content).toBe(REPLY);
  });

  it('streams through its keep-alive comments', async () => {
    const stream = await openrouter().chat.completions.create({ ...chatBody, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(REPLY);
  });

  it('replays the 402 insufficient-credits body for insufficient_quota', async () => {
    const err = await caught(openrouter('insufficient_quota').chat.completions.create(chatBody));
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(402);
    expect((err as APIError).headers?.get('x-mock-fixture')).toBe(
      'openrouter.insufficient_credits',
    );
  });

  it('is also selected on /v1 with x-mock-provider: openrouter', async () => {
    const data = await openai().chat.completions.create(chatBody, {
      headers: { 'x-mock-provider': 'openrouter' },
    });
    expect(data.id).toMatch(/^gen-/);
  });
});
