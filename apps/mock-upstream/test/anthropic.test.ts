import Anthropic, {
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { scenarioFixture } from '@four29/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, REPLY, STREAM_ERROR_AFTER, startMockUpstream } from '../src/index.js';
import { ERROR_SCENARIOS, expectFixtureHeaders } from './helpers.js';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock.close();
});

const anthropic = (scenario?: string, timeout?: number) =>
  new Anthropic({
    apiKey: 'sk-ant-test',
    baseURL: scenario === undefined ? mock.url : `${mock.url}/scenario/${scenario}`,
    maxRetries: 0,
    ...(timeout === undefined ? {} : { timeout }),
  });

const params = {
  model: 'claude-sonnet-4-5',
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: 'Say hello.' }],
};

/** The SDK's class for a status, per @anthropic-ai/sdk's APIError.generate (529 is a 5xx). */
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

describe('Anthropic messages', () => {
  it('answers a Message the SDK parses, with anthropic-ratelimit-* headers', async () => {
    const { data, response } = await anthropic().messages.create(params).withResponse();
    expect(data.type).toBe('message');
    expect(data.id).toMatch(/^msg_01/);
    expect(data.role).toBe('assistant');
    expect(data.content).toEqual([{ type: 'text', text: REPLY }]);
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage.output_tokens).toBe(REPLY.split(/(?=\s)/).length);
    expect(response.headers.get('request-id')).toMatch(/^req_011C/);
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('10000');
    expect(response.headers.get('anthropic-ratelimit-requests-reset')).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(response.headers.get('anthropic-ratelimit-tokens-remaining')).toMatch(/^\d+$/);
  });

  it('stops at max_tokens', async () => {
    const data = await anthropic().messages.create({ ...params, max_tokens: 3 });
    expect(data.stop_reason).toBe('max_tokens');
    expect(data.usage.output_tokens).toBe(3);
  });

  it('streams the real event sequence', async () => {
    const stream = await anthropic().messages.create({ ...params, stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        text += event.delta.text;
      }
    }
    expect(text).toBe(REPLY);
    expect(types[0]).toBe('message_start');
    expect(types[1]).toBe('content_block_start');
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
  });

  it("the SDK's MessageStream helper assembles the final message", async () => {
    const final = await anthropic().messages.stream(params).finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: REPLY }]);
    expect(final.stop_reason).toBe('end_turn');
  });

  it.each(ERROR_SCENARIOS)('%s throws the SDK error for the replayed fixture', async (scenario) => {
    const fixture = scenarioFixture('anthropic', scenario);
    expect(fixture, `fixture for anthropic/${scenario}`).toBeDefined();
    const before = Date.now();
    const err = await caught(anthropic(scenario).messages.create(params));
    const after = Date.now();
    expect(err).toBeInstanceOf(APIError);
    const apiError = err as APIError;
    const status = apiError.status ?? 0;
    expect(err).toBeInstanceOf(errorClassFor(status));
    expect(apiError.headers?.get('x-mock-fixture')).toBe(fixture?.id);
    expectFixtureHeaders(apiError.headers as Headers, status, before, after);
    expect(apiError.error).toEqual(fixture?.respond(after).body);
  });

  it('overloaded is a 529, which the SDK reports as InternalServerError', async () => {
    const err = await caught(anthropic('overloaded').messages.create(params));
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as InternalServerError).status).toBe(529);
  });

  it('stream_error delivers some text, then an error event with overloaded_error', async () => {
    const stream = await anthropic('stream_error').messages.create({ ...params, stream: true });
    let text = '';
    const err = await caught(
      (async () => {
        for await (const event of stream) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
            text += event.delta.text;
          }
        }
      })(),
    );
    expect(text.split(/(?=\s)/)).toHaveLength(STREAM_ERROR_AFTER);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBeUndefined();
    expect((err as APIError).error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error' },
    });
  });

  it('timeout hangs until the client gives up', async () => {
    const err = await caught(anthropic('timeout', 200).messages.create(params));
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('answers a request without max_tokens with a 400 in Anthropic shape', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'mock-upstream: max_tokens: Field required',
      },
    });
  });
});
