import {
  type MockUpstream,
  REPLY,
  STREAM_ERROR_AFTER,
  startMockUpstream,
} from '@four29/mock-upstream';
import { APIConnectionTimeoutError } from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ANTHROPIC_MODEL, createUpstream, demoScenario, OPENAI_MODEL } from '../src/index.js';

let mock: MockUpstream;
const logger = pino({ enabled: false });

beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock?.close();
});
beforeEach(() => mock.reset());

function upstream(timeoutMs?: number) {
  return createUpstream({
    openaiBaseUrl: `${mock.url}/v1`,
    anthropicBaseUrl: mock.url,
    logger,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

async function collect(tokens: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const token of tokens) out.push(token);
  return out;
}

describe('demoScenario', () => {
  it('forwards only short lower-case scenario names', () => {
    expect(demoScenario('rate_limited_tokens')).toEqual({
      headers: { 'x-mock-scenario': 'rate_limited_tokens' },
    });
    for (const bad of [undefined, '', 'OK', 'ok ', 'a\r\nx-evil: 1', 'a'.repeat(41), 'ok-1']) {
      expect(demoScenario(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});

describe('createUpstream', () => {
  it('chat: the OpenAI completion as {model, reply}', async () => {
    await expect(upstream().chat('hi')).resolves.toEqual({
      model: expect.any(String),
      reply: REPLY,
    });
    expect(mock.requests).toMatchObject([
      { provider: 'openai', model: OPENAI_MODEL, stream: false },
    ]);
  });

  it('claude: the Anthropic message text as {model, reply}', async () => {
    await expect(upstream().claude('hi')).resolves.toEqual({
      model: expect.any(String),
      reply: REPLY,
    });
    expect(mock.requests).toMatchObject([{ provider: 'anthropic', model: ANTHROPIC_MODEL }]);
  });

  it('throws the SDK error of a refused call after one request (no SDK retries)', async () => {
    await expect(upstream().chat('hi', 'rate_limited_requests')).rejects.toMatchObject({
      status: 429,
    });
    await expect(upstream().claude('hi', 'overloaded')).rejects.toMatchObject({ status: 529 });
    expect(mock.requests.map((r) => r.scenario)).toEqual(['rate_limited_requests', 'overloaded']);
  });

  it('does not forward a scenario that demoScenario refuses', async () => {
    await expect(upstream().chat('hi', 'RATE_LIMITED_REQUESTS')).resolves.toMatchObject({
      reply: REPLY,
    });
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]?.status).toBe(200);
  });

  it('gives up after timeoutMs', async () => {
    await expect(upstream(200).chat('hi', 'timeout')).rejects.toBeInstanceOf(
      APIConnectionTimeoutError,
    );
    expect(mock.requests).toHaveLength(1);
  });

  it('chatStream: the non-empty tokens in order', async () => {
    const tokens = await collect(await upstream().chatStream('hi'));
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.every((t) => t.length > 0)).toBe(true);
    expect(tokens.join('')).toBe(REPLY);
    expect(mock.requests).toMatchObject([{ provider: 'openai', stream: true }]);
  });

  it('chatStream: a refusal rejects before any token, a later failure comes out of the loop', async () => {
    await expect(upstream().chatStream('hi', 'auth')).rejects.toMatchObject({ status: 401 });
    const tokens = await upstream().chatStream('hi', 'stream_error');
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const token of tokens) seen.push(token);
      })(),
    ).rejects.toBeInstanceOf(Error);
    expect(seen).toHaveLength(STREAM_ERROR_AFTER);
  });

  it('chatStream: abort() ends the upstream request and the tokens', async () => {
    const tokens = await upstream().chatStream('hi');
    tokens.abort();
    // The SDK ends an aborted stream quietly; the route then ends its answer as usual.
    await expect(collect(tokens)).resolves.toEqual([]);
  });
});
