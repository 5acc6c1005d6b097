import Anthropic, { RateLimitError as AnthropicRateLimitError } from '@anthropic-ai/sdk';
import OpenAI, { RateLimitError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { goDuration, type MockUpstream, startMockUpstream } from '../src/index.js';
import { chatBody } from './helpers.js';

// A fake clock: the window moves only when a test moves it, so nothing here depends on timing.
// Quarter past a whole second, so the mock's whole-second window alignment shows.
const T0 = Date.parse('2026-11-01T12:00:00.250Z');
let clock = T0;
let mock: MockUpstream | undefined;

afterEach(async () => {
  await mock?.close();
  mock = undefined;
  clock = T0;
});

async function start(bucket: {
  requestsPerMinute: number;
  tokensPerMinute?: number;
  windowMs?: number;
  tokenCharge?: 'usage' | 'requested';
}) {
  mock = await startMockUpstream({ bucket, now: () => clock });
  return mock;
}

const openai = (m: MockUpstream, apiKey = 'sk-bucket-a') =>
  new OpenAI({ apiKey, baseURL: `${m.url}/v1`, maxRetries: 0 });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a 429');
}

describe('bucket mode', () => {
  it('answers exactly N requests per key, then a 429 with consistent headers', async () => {
    const m = await start({ requestsPerMinute: 3 });
    const client = openai(m);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { response } = await client.chat.completions.create(chatBody).withResponse();
      remaining.push(response.headers.get('x-ratelimit-remaining-requests') ?? '');
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3');
      // Window ends on the whole second after T0 + 60 s: 60.75 s from T0.
      expect(response.headers.get('x-ratelimit-reset-requests')).toBe('1m0.75s');
      // No token limit configured: no token headers are made up.
      expect(response.headers.get('x-ratelimit-limit-tokens')).toBeNull();
    }
    expect(remaining).toEqual(['2', '1', '0']);

    clock = T0 + 10_000;
    const err = await rejection(client.chat.completions.create(chatBody));
    expect(err).toBeInstanceOf(RateLimitError);
    const headers = (err as RateLimitError).headers;
    expect(headers.get('x-mock-fixture')).toBe('openai.rate_limit.requests');
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(headers.get('x-ratelimit-reset-requests')).toBe('50.75s');
    expect(headers.get('retry-after')).toBe('51');
    expect(headers.get('retry-after-ms')).toBe('50750');
    // The fixture's message is restated with the real numbers.
    expect((err as RateLimitError).message).toContain('Limit 3, Used 3, Requested 1.');
    expect((err as RateLimitError).message).toContain('Please try again in 50.75s.');
    expect(m.requests.map((r) => r.status)).toEqual([200, 200, 200, 429]);
  });

  it('frees the budget exactly at the reset it announced', async () => {
    const m = await start({ requestsPerMinute: 1 });
    const client = openai(m);
    await client.chat.completions.create(chatBody);
    const resetAt = Math.ceil((T0 + 60_000) / 1000) * 1000;

    clock = resetAt - 1;
    const err = await rejection(client.chat.completions.create(chatBody));
    expect((err as RateLimitError).headers.get('retry-after-ms')).toBe('1');

    clock = resetAt;
    const { response } = await client.chat.completions.create(chatBody).withResponse();
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('a client that waits for the announced reset when the next request would not fit never sees a 429', async () => {
    // 4 requests or 50 tokens a minute; a request costs 14 tokens, so tokens bind after 3.
    const m = await start({ requestsPerMinute: 4, tokensPerMinute: 50 });
    const client = openai(m);
    let answered = 0;
    for (let i = 0; i < 25; i++) {
      const { data, response } = await client.chat.completions.create(chatBody).withResponse();
      answered += 1;
      const cost = data.usage?.total_tokens ?? Number.POSITIVE_INFINITY;
      const h = (name: string) => response.headers.get(name) ?? '';
      if (Number(h('x-ratelimit-remaining-requests')) < 1) {
        clock += parseGoDuration(h('x-ratelimit-reset-requests'));
      } else if (Number(h('x-ratelimit-remaining-tokens')) < cost) {
        clock += parseGoDuration(h('x-ratelimit-reset-tokens'));
      }
      clock += 100;
    }
    expect(answered).toBe(25);
    expect(m.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('enforces tokens per minute with the tokens fixture and honest token headers', async () => {
    const m = await start({ requestsPerMinute: 100, tokensPerMinute: 40 });
    const client = openai(m);
    const first = await client.chat.completions.create(chatBody).withResponse();
    const cost = first.data.usage?.total_tokens ?? 0;
    expect(cost).toBeGreaterThan(0);
    expect(first.response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(40 - cost));
    await client.chat.completions.create(chatBody);
    const err = await rejection(client.chat.completions.create(chatBody));
    expect(err).toBeInstanceOf(RateLimitError);
    const rateErr = err as RateLimitError;
    expect(rateErr.headers.get('x-mock-fixture')).toBe('openai.rate_limit.tokens');
    expect(rateErr.headers.get('x-ratelimit-remaining-tokens')).toBe(String(40 - 2 * cost));
    expect(rateErr.message).toContain(`Limit 40, Used ${2 * cost}, Requested ${cost}.`);
  });

  it('answers a request bigger than the whole token budget with request_too_large', async () => {
    const m = await start({ requestsPerMinute: 100, tokensPerMinute: 20 });
    const err = await rejection(
      openai(m).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x'.repeat(400) }],
      }),
    );
    expect(err).toBeInstanceOf(RateLimitError);
    const rateErr = err as RateLimitError;
    expect(rateErr.headers.get('x-mock-fixture')).toBe('openai.request_too_large');
    expect(rateErr.headers.get('retry-after')).toBeNull();
    expect(rateErr.message).toContain('Limit 20, Requested 111.');
  });

  it('keeps a separate budget per API key and never stores the key', async () => {
    const m = await start({ requestsPerMinute: 1 });
    await openai(m, 'sk-key-one').chat.completions.create(chatBody);
    await openai(m, 'sk-key-two').chat.completions.create(chatBody);
    await expect(openai(m, 'sk-key-one').chat.completions.create(chatBody)).rejects.toBeInstanceOf(
      RateLimitError,
    );
    const [one, two, again] = m.requests;
    expect(one?.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(one?.keyId).not.toBe(two?.keyId);
    expect(again?.keyId).toBe(one?.keyId);
    expect(JSON.stringify(m.requests)).not.toContain('sk-key');
  });

  it('reset() forgets the windows and the recorded requests', async () => {
    const m = await start({ requestsPerMinute: 1 });
    await openai(m).chat.completions.create(chatBody);
    m.reset();
    expect(m.requests).toHaveLength(0);
    await openai(m).chat.completions.create(chatBody);
    expect(m.requests.map((r) => r.status)).toEqual([200]);
  });

  it('sends Anthropic RFC 3339 resets and retry-after on its 429', async () => {
    const m = await start({ requestsPerMinute: 2, tokensPerMinute: 10_000 });
    const client = new Anthropic({ apiKey: 'sk-ant-bucket', baseURL: m.url, maxRetries: 0 });
    const params = {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user' as const, content: 'Hi' }],
    };
    const ok = await client.messages.create(params).withResponse();
    expect(ok.response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('1');
    expect(ok.response.headers.get('anthropic-ratelimit-requests-reset')).toBe(
      '2026-11-01T12:01:01Z',
    );
    expect(ok.response.headers.get('anthropic-ratelimit-tokens-limit')).toBe('10000');
    await client.messages.create(params);

    clock = T0 + 30_000;
    const err = await rejection(client.messages.create(params));
    expect(err).toBeInstanceOf(AnthropicRateLimitError);
    const headers = (err as AnthropicRateLimitError).headers;
    expect(headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(headers?.get('anthropic-ratelimit-requests-reset')).toBe('2026-11-01T12:01:01Z');
    expect(headers?.get('retry-after')).toBe('31');
    // The fixture's canned input-token headers are gone: only what the bucket enforces is sent.
    expect(headers?.get('anthropic-ratelimit-input-tokens-limit')).toBeNull();
    expect((err as AnthropicRateLimitError).message).toContain('of 2 requests per minute');
  });

  it('rewrites the Gemini RetryInfo delay to the real wait', async () => {
    const m = await start({ requestsPerMinute: 1 });
    const send = () =>
      fetch(`${m.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'AIza-bucket' },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
      });
    expect((await send()).status).toBe(200);
    clock = T0 + 20_000;
    const res = await send();
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('limit: 1, model');
    expect(body.error.message).toContain('Please retry in 41s.');
  });

  it('scales the window down with windowMs, aligned on the epoch, and announces its end', async () => {
    const m = await start({ requestsPerMinute: 2, windowMs: 500 });
    const client = openai(m);
    const first = await client.chat.completions.create(chatBody).withResponse();
    // T0 is 250 ms into a 500 ms window: it ends 250 ms later, not 500 ms after the request.
    expect(first.response.headers.get('x-ratelimit-reset-requests')).toBe('250ms');
    clock = T0 + 100;
    await client.chat.completions.create(chatBody);
    const err = await rejection(client.chat.completions.create(chatBody));
    expect((err as RateLimitError).headers.get('retry-after-ms')).toBe('150');
    expect((err as RateLimitError).headers.get('x-ratelimit-reset-requests')).toBe('150ms');

    clock = T0 + 250;
    const { response } = await client.chat.completions.create(chatBody).withResponse();
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(m.requests.map((r) => r.status)).toEqual([200, 200, 429, 200]);
  });

  it('windows of a second or more still end on a whole second', async () => {
    const m = await start({ requestsPerMinute: 1, windowMs: 2000 });
    const { response } = await openai(m).chat.completions.create(chatBody).withResponse();
    // T0 (…:00.250) is in the 2 s window that ends at …:02.000.
    expect(response.headers.get('x-ratelimit-reset-requests')).toBe('1.75s');
  });

  it("with tokenCharge 'requested' charges prompt + max_tokens up front, not the usage", async () => {
    const m = await start({
      requestsPerMinute: 100,
      tokensPerMinute: 60,
      tokenCharge: 'requested',
    });
    const client = openai(m);
    const body = { ...chatBody, max_tokens: 40 };
    const first = await client.chat.completions.create(body).withResponse();
    const prompt = first.data.usage?.prompt_tokens ?? 0;
    const usage = first.data.usage?.total_tokens ?? 0;
    expect(prompt).toBeGreaterThan(0);
    // The reply is shorter than 40 tokens, so usage and the charge differ and the test can tell.
    expect(usage).toBeLessThan(prompt + 40);
    expect(first.response.headers.get('x-ratelimit-remaining-tokens')).toBe(
      String(60 - (prompt + 40)),
    );
    await client.chat.completions.create({ ...chatBody, max_tokens: 1 });
    const err = await rejection(client.chat.completions.create(body));
    expect((err as RateLimitError).headers.get('x-mock-fixture')).toBe('openai.rate_limit.tokens');
    expect((err as RateLimitError).message).toContain(`Requested ${prompt + 40}.`);
  });

  it("with tokenCharge 'requested' and no max_tokens charges the whole reply", async () => {
    const m = await start({
      requestsPerMinute: 100,
      tokensPerMinute: 1000,
      tokenCharge: 'requested',
    });
    const { data, response } = await openai(m).chat.completions.create(chatBody).withResponse();
    const usage = data.usage?.total_tokens ?? 0;
    expect(response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(1000 - usage));
  });

  it('rejects an invalid bucket', async () => {
    await expect(
      startMockUpstream({ bucket: { requestsPerMinute: 5, windowMs: 0 } }),
    ).rejects.toThrow(/windowMs/);
    await expect(
      startMockUpstream({
        bucket: { requestsPerMinute: 5, tokenCharge: 'later' as unknown as 'usage' },
      }),
    ).rejects.toThrow(/tokenCharge/);
    await expect(startMockUpstream({ bucket: { requestsPerMinute: 0 } })).rejects.toThrow(
      /requestsPerMinute/,
    );
    await expect(
      startMockUpstream({ bucket: { requestsPerMinute: 5, tokensPerMinute: 1.5 } }),
    ).rejects.toThrow(/tokensPerMinute/);
  });
});

describe('goDuration', () => {
  it.each([
    [0, '0s'],
    [-5, '0s'],
    [12, '12ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1146, '1.146s'],
    [1500, '1.5s'],
    [60_000, '1m0s'],
    [360_000, '6m0s'],
    [179_560, '2m59.56s'],
    [3_600_000, '1h0m0s'],
    [85_656_648, '23h47m36.648s'],
  ])('%d ms is %s', (ms, text) => {
    expect(goDuration(ms)).toBe(text);
    if (ms > 0) expect(parseGoDuration(text)).toBe(ms);
  });
});

/** Test-side parser, so the pacing loop above reads the header the way a client would. */
function parseGoDuration(text: string): number {
  let ms = 0;
  for (const [, value, unit] of text.matchAll(/([\d.]+)(h|ms|m|s)/g)) {
    const n = Number(value);
    ms += unit === 'h' ? n * 3_600_000 : unit === 'm' ? n * 60_000 : unit === 's' ? n * 1000 : n;
  }
  return Math.round(ms);
}
