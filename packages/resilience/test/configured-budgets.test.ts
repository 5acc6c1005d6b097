import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPacedFetch, type PacedFetchHoldEvent } from '../src/paced-fetch.js';
import { estimateTokens } from '../src/tokens.js';

const realImmediate = setImmediate;

/** Lets real I/O (the WebCrypto digest of the key) finish while timers stay fake. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (condition()) return;
    await new Promise((resolve) => realImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const URL_A = 'https://generativelanguage.example.test/v1beta/models/x:generateContent';
const HEADERS = { 'x-goog-api-key': 'AIza-test-aaaaaaaaaaaaaaaaaaaa' };

/** An upstream that announces no budget at all, like Gemini or Bedrock. */
function silentUpstream() {
  const calls: number[] = [];
  const fetch = async () => {
    calls.push(Date.now());
    return new Response('{}');
  };
  return { calls, fetch };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createPacedFetch: configured budgets', () => {
  it('requestsPerMinute holds requests beyond the bucket, then lets one go per refilled slot', async () => {
    const up = silentUpstream();
    const holds: PacedFetchHoldEvent[] = [];
    const paced = createPacedFetch({
      fetch: up.fetch,
      requestsPerMinute: 2,
      onHold: (e) => holds.push(e),
    });
    await paced(URL_A, { headers: HEADERS });
    await paced(URL_A, { headers: HEADERS });
    const third = paced(URL_A, { headers: HEADERS });
    await until(() => holds.length === 1, 'the hold');
    // Two a minute: one slot back every 30 s.
    expect(holds[0]).toMatchObject({ waitMs: 30_000, queued: 1 });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(up.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await third;
    expect(up.calls).toHaveLength(3);
  });

  it('tokensPerMinute spends what each request is estimated to cost', async () => {
    const up = silentUpstream();
    const paced = createPacedFetch({ fetch: up.fetch, tokensPerMinute: 1000 });
    // 400 characters (100 tokens) plus max_tokens 500: 600 tokens.
    const body = JSON.stringify({ max_tokens: 500, prompt: 'x'.repeat(400 - 32) });
    expect(estimateTokens({ body })).toBe(600);
    await paced(URL_A, { method: 'POST', headers: HEADERS, body });
    const second = paced(URL_A, { method: 'POST', headers: HEADERS, body });
    // 400 left, 600 needed: 200 tokens at 1000 a minute is 12 s.
    await vi.advanceTimersByTimeAsync(11_999);
    expect(up.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await second;
    expect(up.calls).toHaveLength(2);
  });

  it('a request larger than the whole token budget waits for a full bucket, then goes', async () => {
    const up = silentUpstream();
    const paced = createPacedFetch({
      fetch: up.fetch,
      tokensPerMinute: 100,
      estimateTokens: () => 10_000,
    });
    await paced(URL_A, { headers: HEADERS });
    const next = paced(URL_A, { headers: HEADERS });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(up.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await next;
    expect(up.calls).toHaveLength(2);
  });

  it('beyond maxWaitMs a configured budget answers the local 429', async () => {
    const up = silentUpstream();
    const paced = createPacedFetch({ fetch: up.fetch, requestsPerMinute: 1, maxWaitMs: 1000 });
    await paced(URL_A, { headers: HEADERS });
    const res = await paced(URL_A, { headers: HEADERS });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(up.calls).toHaveLength(1);
  });

  it('an estimator that throws or returns nonsense counts nothing; nonsense budgets are ignored', async () => {
    const up = silentUpstream();
    for (const estimate of [
      () => {
        throw new Error('broken');
      },
      () => Number.NaN,
      () => -5,
      () => 'many' as unknown as number,
    ]) {
      const paced = createPacedFetch({
        fetch: up.fetch,
        tokensPerMinute: 1,
        estimateTokens: estimate,
      });
      await paced(URL_A, { headers: HEADERS });
      await paced(URL_A, { headers: HEADERS });
    }
    const loose = createPacedFetch({
      fetch: up.fetch,
      requestsPerMinute: -1,
      tokensPerMinute: Number.NaN,
    });
    for (let i = 0; i < 5; i++) await loose(URL_A, { headers: HEADERS });
    expect(up.calls).toHaveLength(13);
  });
});

describe('estimateTokens', () => {
  it('reads strings and bytes, and every provider spelling of the output cap', () => {
    for (const field of [
      'max_tokens',
      'max_completion_tokens',
      'max_output_tokens',
      'maxOutputTokens',
      'maxTokens',
    ]) {
      const body = `{"${field}": 100}`;
      expect(estimateTokens({ body })).toBe(Math.ceil(body.length / 4) + 100);
    }
    const bytes = new TextEncoder().encode('{"max_tokens":7}');
    expect(estimateTokens({ body: bytes })).toBe(4 + 7);
    expect(estimateTokens({ body: bytes.buffer as ArrayBuffer })).toBe(4 + 7);
    expect(estimateTokens({ body: new ReadableStream() })).toBe(0);
    expect(estimateTokens(undefined)).toBe(0);
  });
});
