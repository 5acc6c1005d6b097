/**
 * The helpers with the real `openai` and `@anthropic-ai/sdk` clients against the mock upstream over
 * real sockets. Timers and Date are fake so rate-limit windows pass in milliseconds; the mock reads
 * the same (fake) clock, so its windows and its headers move with it.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Four29Logger } from '@four29/core';
import { createUpstreamErrorHandler } from '@four29/core';
import { type MockUpstream, startMockUpstream } from '@four29/mock-upstream';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createQuotaBreaker } from '../src/breaker.js';
import { createPacedFetch } from '../src/paced-fetch.js';
import { withRetry } from '../src/retry.js';

const realSetTimeout = globalThis.setTimeout;
const realSleep = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));

let mock: MockUpstream | undefined;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(async () => {
  vi.useRealTimers();
  await mock?.close();
  mock = undefined;
});

async function start(bucket?: { requestsPerMinute: number }): Promise<MockUpstream> {
  mock = await startMockUpstream(bucket !== undefined ? { bucket } : {});
  return mock;
}

/**
 * Settles `promise` while moving fake time forward in `stepMs` steps, giving real sockets a few
 * real milliseconds between steps.
 */
async function drive<T>(promise: Promise<T>, stepMs = 1000, maxSteps = 400): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < maxSteps && !done; i++) {
    await realSleep(5);
    if (!done) await vi.advanceTimersByTimeAsync(stepMs);
  }
  return promise;
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };
const message = {
  model: 'claude-sonnet-4-5',
  max_tokens: 64,
  messages: [{ role: 'user' as const, content: 'Hi' }],
};

const statuses = (m: MockUpstream) => m.requests.map((r) => r.status);

describe('createPacedFetch with the real SDKs against the mock bucket', () => {
  it('OpenAI: a burst three times the budget sends zero requests into a 429', async () => {
    const m = await start({ requestsPerMinute: 5 });
    const client = new OpenAI({
      apiKey: 'sk-test-paced-openai',
      baseURL: `${m.url}/v1`,
      maxRetries: 0,
      fetch: createPacedFetch({ maxWaitMs: 300_000 }),
    });
    await client.chat.completions.create(chat);
    const burst = Promise.all(
      Array.from({ length: 14 }, () => client.chat.completions.create(chat)),
    );
    const replies = await drive(burst);
    expect(replies).toHaveLength(14);
    expect(statuses(m)).toEqual(Array.from({ length: 15 }, () => 200));
    // 15 requests at 5 a minute: the paced client really waited for two resets.
    const at = m.requests.map((r) => r.at);
    expect((at[14] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(120_000);
  });

  it('Anthropic: the same with RFC 3339 resets', async () => {
    const m = await start({ requestsPerMinute: 3 });
    const client = new Anthropic({
      apiKey: 'sk-ant-test-paced',
      baseURL: m.url,
      maxRetries: 0,
      fetch: createPacedFetch({ maxWaitMs: 300_000 }),
    });
    await client.messages.create(message);
    const burst = Promise.all(Array.from({ length: 7 }, () => client.messages.create(message)));
    await drive(burst);
    expect(statuses(m)).toEqual(Array.from({ length: 8 }, () => 200));
  });

  it('control: without pacing the same burst is refused by the bucket', async () => {
    const m = await start({ requestsPerMinute: 5 });
    const client = new OpenAI({ apiKey: 'sk-test-unpaced', baseURL: `${m.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create(chat);
    const burst = Promise.allSettled(
      Array.from({ length: 14 }, () => client.chat.completions.create(chat)),
    );
    await burst;
    expect(statuses(m).filter((s) => s === 429)).toHaveLength(10);
  });

  it('beyond maxWaitMs: a local 429 the SDK does not retry and four29 classifies as rate_limited', async () => {
    const m = await start({ requestsPerMinute: 1 });
    // Default maxRetries (2): the local answer's x-should-retry: false must stop the SDK.
    const client = new OpenAI({
      apiKey: 'sk-test-paced-short',
      baseURL: `${m.url}/v1`,
      fetch: createPacedFetch({ maxWaitMs: 5000 }),
    });
    await client.chat.completions.create(chat);
    const error = await client.chat.completions.create(chat).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(
      (error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('x-four29-paced'),
    ).toBe('over-max-wait');
    expect(statuses(m)).toEqual([200]);
    const handled = createUpstreamErrorHandler({ logger: false })(error);
    expect(handled?.classification).toMatchObject({ kind: 'rate_limited', retryable: true });
    expect(handled?.classification.retryAfterMs).toBeGreaterThan(50_000);
    expect(handled?.headers['retry-after']).toBeDefined();
  });

  it('an abort while held sends nothing', async () => {
    const m = await start({ requestsPerMinute: 1 });
    const client = new OpenAI({
      apiKey: 'sk-test-paced-abort',
      baseURL: `${m.url}/v1`,
      maxRetries: 0,
      fetch: createPacedFetch({ maxWaitMs: 120_000 }),
    });
    await client.chat.completions.create(chat);
    const controller = new AbortController();
    const held = client.chat.completions.create(chat, { signal: controller.signal });
    const settled = held.catch((e: unknown) => e);
    await realSleep(20);
    controller.abort();
    expect(await settled).toBeInstanceOf(OpenAI.APIUserAbortError);
    await vi.advanceTimersByTimeAsync(120_000);
    await realSleep(20);
    expect(statuses(m)).toEqual([200]);
  });
});

describe('withRetry with the real SDKs against the mock', () => {
  it('never retries a quota error: the upstream sees one request (OpenAI)', async () => {
    const m = await start();
    const client = new OpenAI({
      apiKey: 'sk-test-quota',
      baseURL: `${m.url}/scenario/insufficient_quota/v1`,
      maxRetries: 0,
    });
    const error = await withRetry(() => client.chat.completions.create(chat), {
      maxAttempts: 5,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(m.requests).toHaveLength(1);
  });

  it('never retries a quota error: the upstream sees one request (Anthropic)', async () => {
    const m = await start();
    const client = new Anthropic({
      apiKey: 'sk-ant-test-quota',
      baseURL: `${m.url}/scenario/insufficient_quota`,
      maxRetries: 0,
    });
    const error = await withRetry(() => client.messages.create(message), {
      maxAttempts: 5,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(m.requests).toHaveLength(1);
  });

  it('retries a rate limit after the time the upstream asked for', async () => {
    const m = await start({ requestsPerMinute: 1 });
    const client = new OpenAI({ apiKey: 'sk-test-retry', baseURL: `${m.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create(chat);
    const delays: number[] = [];
    const reply = await drive(
      withRetry(() => client.chat.completions.create(chat), {
        maxAttempts: 3,
        // The mock's window ends on the whole second after a minute: a little over 60 s.
        maxDelayMs: 90_000,
        onRetry: (e) => delays.push(e.delayMs),
      }),
    );
    expect(reply.choices[0]?.message.content).toBeTypeOf('string');
    expect(statuses(m)).toEqual([200, 429, 200]);
    // The mock's window is a minute: the wait asked for is most of it.
    expect(delays[0]).toBeGreaterThan(50_000);
    expect(delays[0]).toBeLessThanOrEqual(61_000);
  });
});

describe('createQuotaBreaker with the real SDK against the mock', () => {
  it('cuts upstream calls to one probe per cool-down', async () => {
    const m = await start();
    const client = new OpenAI({
      apiKey: 'sk-test-breaker',
      baseURL: `${m.url}/scenario/insufficient_quota/v1`,
      maxRetries: 0,
    });
    const breaker = createQuotaBreaker({ cooldownMs: 10_000 });
    const handle = createUpstreamErrorHandler({ logger: false });
    const kinds = new Set<string>();
    // Two calls a second for 35 s.
    for (let s = 0; s < 35; s++) {
      for (let i = 0; i < 2; i++) {
        // Awaited without moving fake time: only the loop below moves it, a second per step.
        const error = await breaker
          .run(() => client.chat.completions.create(chat), {
            key: 'sk-test-breaker',
            provider: 'openai',
          })
          .catch((e: unknown) => e);
        kinds.add(handle(error)?.classification.kind ?? 'unclassified');
      }
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(m.requests).toHaveLength(4);
    expect([...kinds]).toEqual(['quota_exhausted']);
  });
});

describe('log storm suppression through the handler, with real SDK errors', () => {
  it('N identical quota errors log one event and one summary of N - 1', async () => {
    const m = await start();
    const client = new OpenAI({
      apiKey: 'sk-test-storm',
      baseURL: `${m.url}/scenario/insufficient_quota/v1`,
      maxRetries: 0,
    });
    const lines: { level: string; obj: Record<string, unknown> }[] = [];
    const logger: Four29Logger = {
      warn: (obj) => lines.push({ level: 'warn', obj }),
      error: (obj) => lines.push({ level: 'error', obj }),
    };
    const handle = createUpstreamErrorHandler({ logger, logSuppression: { windowMs: 30_000 } });
    const N = 25;
    for (let i = 0; i < N; i++) {
      const error = await client.chat.completions.create(chat).catch((e: unknown) => e);
      expect(handle(error, { path: '/api/chat' })?.status).toBe(503);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]?.obj).toMatchObject({
      event: 'four29.upstream_error',
      kind: 'quota_exhausted',
    });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      level: 'error',
      obj: {
        event: 'four29.upstream_error.suppressed',
        kind: 'quota_exhausted',
        provider: 'openai',
        upstream: { status: 429, code: 'insufficient_quota' },
        suppressed: N - 1,
      },
    });
    expect(JSON.stringify(lines)).not.toContain('sk-test-storm');
  });
});
