import { scenarioFixture } from '@four29/fixtures';
import { ApiError, GoogleGenAI } from '@google/genai';
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

const MODEL = 'gemini-2.5-flash';
const genai = (scenario?: string) =>
  new GoogleGenAI({
    apiKey: 'AIza-test-key',
    httpOptions: {
      baseUrl: scenario === undefined ? mock.url : `${mock.url}/scenario/${scenario}`,
    },
  });

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'AIza-raw', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

describe('Gemini generateContent', () => {
  it('answers a response @google/genai parses', async () => {
    const res = await genai().models.generateContent({ model: MODEL, contents: 'Say hello.' });
    expect(res.text).toBe(REPLY);
    expect(res.candidates?.[0]?.finishReason).toBe('STOP');
    expect(res.usageMetadata?.candidatesTokenCount).toBe(REPLY.split(/(?=\s)/).length);
    expect(res.modelVersion).toBe(MODEL);
    const last = mock.requests.at(-1);
    expect(last).toMatchObject({ provider: 'google', model: MODEL, status: 200 });
    expect(last?.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
  });

  it('streams with :streamGenerateContent?alt=sse', async () => {
    const stream = await genai().models.generateContentStream({ model: MODEL, contents: 'Hi' });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.text ?? '';
      chunks += 1;
    }
    expect(text).toBe(REPLY);
    expect(chunks).toBe(REPLY.split(/(?=\s)/).length);
  });

  it('honours generationConfig.maxOutputTokens', async () => {
    const res = await genai().models.generateContent({
      model: MODEL,
      contents: 'Hi',
      config: { maxOutputTokens: 1 },
    });
    expect(res.text).toBe('Hello!');
    expect(res.candidates?.[0]?.finishReason).toBe('MAX_TOKENS');
  });

  it.each(ERROR_SCENARIOS)(
    '%s throws ApiError with the fixture status and body',
    async (scenario) => {
      const fixture = scenarioFixture('google', scenario);
      expect(fixture, `fixture for google/${scenario}`).toBeDefined();
      const expected = fixture?.respond(Date.now());
      const err = await caught(
        genai(scenario).models.generateContent({ model: MODEL, contents: 'x' }),
      );
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(expected?.status);
      expect(JSON.parse((err as ApiError).message)).toEqual(expected?.body);
    },
  );

  it.each(ERROR_SCENARIOS)('%s replays the fixture exactly over plain HTTP', async (scenario) => {
    const before = Date.now();
    const res = await post(
      `/v1beta/models/${MODEL}:generateContent`,
      { contents: [{ parts: [{ text: 'x' }] }] },
      {
        'x-mock-scenario': scenario,
      },
    );
    const after = Date.now();
    const fixture = expectFixtureHeaders(res.headers, res.status, before, after);
    expect(fixture.provider).toBe('google');
    expect(await res.json()).toEqual(fixture.respond(after).body);
  });

  it('stream_error sends some chunks, then an error chunk the SDK throws', async () => {
    const stream = await genai('stream_error').models.generateContentStream({
      model: MODEL,
      contents: 'Hi',
    });
    let text = '';
    const err = await caught(
      (async () => {
        for await (const chunk of stream) text += chunk.text ?? '';
      })(),
    );
    expect(text.split(/(?=\s)/)).toHaveLength(STREAM_ERROR_AFTER);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(500);
  });

  it('accepts the key as ?key= and never records it', async () => {
    const res = await fetch(
      `${mock.url}/v1beta/models/${MODEL}:generateContent?key=AIza-secret-in-query`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
      },
    );
    expect(res.status).toBe(200);
    const last = mock.requests.at(-1);
    expect(last?.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(mock.requests)).not.toContain('AIza-secret-in-query');
  });

  it('answers a request without contents with 400 INVALID_ARGUMENT', async () => {
    const res = await post(`/v1beta/models/${MODEL}:generateContent`, { contents: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
  });
});
