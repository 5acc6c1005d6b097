/**
 * The retry guard with the real `openai` and `@anthropic-ai/sdk` clients at their default retry
 * settings (maxRetries 2) against the mock upstream over real sockets, counting the requests the
 * mock received; then the guard alone against hostile fetches and bodies. Timers and Date are fake
 * in the SDK tests so the SDKs' backoff passes in milliseconds.
 */
import Anthropic from '@anthropic-ai/sdk';
import { classify } from '@four29/core';
import { fixtures, type UpstreamFixture } from '@four29/fixtures';
import { type MockUpstream, startMockUpstream } from '@four29/mock-upstream';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPacedFetch } from '../src/paced-fetch.js';
import { createRetryGuard } from '../src/retry-guard.js';

const realSetTimeout = globalThis.setTimeout;
const realSleep = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));

let mock: MockUpstream | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await mock?.close();
  mock = undefined;
});

async function start(list?: readonly UpstreamFixture[]): Promise<MockUpstream> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  mock = await startMockUpstream(list !== undefined ? { fixtures: list } : {});
  return mock;
}

/** Settles `promise` while moving fake time forward, so the SDKs' retry backoff passes. */
async function drive<T>(promise: Promise<T>, stepMs = 1000, maxSteps = 200): Promise<T> {
  let done = false;
  const mark = () => {
    done = true;
  };
  promise.then(mark, mark);
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

function openai(m: MockUpstream, scenario: string, guarded = true): OpenAI {
  // Default retry settings on purpose: what the README's quick start gets.
  return new OpenAI({
    apiKey: 'sk-test-retry-guard',
    baseURL: `${m.url}/scenario/${scenario}/v1`,
    ...(guarded ? { fetch: createRetryGuard() } : {}),
  });
}

function anthropic(m: MockUpstream, scenario: string, guarded = true): Anthropic {
  return new Anthropic({
    apiKey: 'sk-ant-test-retry-guard',
    baseURL: `${m.url}/scenario/${scenario}`,
    ...(guarded ? { fetch: createRetryGuard() } : {}),
  });
}

const failure = (p: Promise<unknown>) =>
  drive(
    p.then(
      () => undefined,
      (e: unknown) => e,
    ),
  );

describe('createRetryGuard with openai-node at default retries', () => {
  it('insufficient_quota: one upstream request, not three, and the same classification', async () => {
    const m = await start();
    const error = await failure(openai(m, 'insufficient_quota').chat.completions.create(chat));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(m.requests).toHaveLength(1);
    expect(classify(error)).toMatchObject({ kind: 'quota_exhausted', retryable: false });
    const headers = (error as InstanceType<typeof OpenAI.APIError>).headers;
    expect(headers?.get('x-should-retry')).toBe('false');
    // The SDK still read the whole upstream body into its error.
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('insufficient_quota');
  });

  it('control: without the guard the SDK sends the quota error three times', async () => {
    const m = await start();
    const error = await failure(
      openai(m, 'insufficient_quota', false).chat.completions.create(chat),
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(m.requests).toHaveLength(3);
    expect(classify(error)?.kind).toBe('quota_exhausted');
  });

  it('an invalid key: one request, classified upstream_auth', async () => {
    const m = await start();
    const error = await failure(openai(m, 'auth').chat.completions.create(chat));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(m.requests).toHaveLength(1);
    expect(classify(error)?.kind).toBe('upstream_auth');
  });

  it('a 429 request larger than the limit: one request (the SDK retries a 429 otherwise)', async () => {
    const m = await start();
    const error = await failure(openai(m, 'request_too_large').chat.completions.create(chat));
    expect(m.requests).toHaveLength(1);
    expect(classify(error)?.kind).toBe('request_too_large');
    const control = await failure(
      openai(m, 'request_too_large', false).chat.completions.create(chat),
    );
    expect(m.requests).toHaveLength(4);
    expect(classify(control)?.kind).toBe('request_too_large');
  });

  it('a context-length 400: one request, classified request_too_large', async () => {
    // The mock serves the context-length fixture for the request_too_large scenario.
    const list = fixtures
      .filter((f) => f.id !== 'openai.request_too_large')
      .map((f) =>
        f.id === 'openai.context_length_exceeded'
          ? { ...f, scenario: 'request_too_large' as const }
          : f,
      );
    const m = await start(list);
    const error = await failure(openai(m, 'request_too_large').chat.completions.create(chat));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('context_length_exceeded');
    expect(m.requests).toHaveLength(1);
    expect(classify(error)).toMatchObject({ kind: 'request_too_large', limit: 128000 });
  });

  it('a rate limit is still retried by the SDK: three requests, rate_limited', async () => {
    const m = await start();
    const error = await failure(openai(m, 'rate_limited_requests').chat.completions.create(chat));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(m.requests).toHaveLength(3);
    expect(classify(error)).toMatchObject({ kind: 'rate_limited', retryable: true });
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-should-retry')).toBe(
      null,
    );
  });

  it('overloaded (5xx) is still retried and a success passes through', async () => {
    const m = await start();
    await failure(openai(m, 'overloaded').chat.completions.create(chat));
    expect(m.requests).toHaveLength(3);
    const reply = await drive(openai(m, 'ok').chat.completions.create(chat));
    expect(reply.choices[0]?.message.content).toBeTypeOf('string');
    expect(m.requests).toHaveLength(4);
  });

  it('composes with the paced fetch: quota errors still cost one request', async () => {
    const m = await start();
    const client = new OpenAI({
      apiKey: 'sk-test-retry-guard-paced',
      baseURL: `${m.url}/scenario/insufficient_quota/v1`,
      fetch: createRetryGuard({ fetch: createPacedFetch() }),
    });
    const error = await failure(client.chat.completions.create(chat));
    expect(m.requests).toHaveLength(1);
    expect(classify(error)?.kind).toBe('quota_exhausted');
  });
});

describe('createRetryGuard with @anthropic-ai/sdk at default retries', () => {
  it('a credit balance too low (400): one request, quota_exhausted', async () => {
    const m = await start();
    const error = await failure(anthropic(m, 'insufficient_quota').messages.create(message));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(m.requests).toHaveLength(1);
    expect(classify(error)?.kind).toBe('quota_exhausted');
  });

  it('an invalid key: one request, upstream_auth', async () => {
    const m = await start();
    const error = await failure(anthropic(m, 'auth').messages.create(message));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(m.requests).toHaveLength(1);
    expect(classify(error)?.kind).toBe('upstream_auth');
  });

  it('a rate limit is still retried: three requests, rate_limited', async () => {
    const m = await start();
    const error = await failure(anthropic(m, 'rate_limited_requests').messages.create(message));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(m.requests).toHaveLength(3);
    expect(classify(error)?.kind).toBe('rate_limited');
  });
});

const quotaBody = JSON.stringify({
  error: {
    message: 'You exceeded your current quota, please check your plan and billing details.',
    type: 'insufficient_quota',
    param: null,
    code: 'insufficient_quota',
  },
});

function jsonResponse(status: number, body: string, headers: Record<string, string> = {}) {
  return new Response(body, {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

describe('createRetryGuard: what it leaves alone and what it survives', () => {
  it('a success is the very same Response, its body unread', async () => {
    const res = jsonResponse(200, '{"ok":true}');
    const guarded = await createRetryGuard({ fetch: async () => res })('https://x.test/');
    expect(guarded).toBe(res);
    expect(res.bodyUsed).toBe(false);
  });

  it('a 5xx and an answer that already says x-should-retry: false pass through unread', async () => {
    const five = jsonResponse(503, quotaBody);
    expect(await createRetryGuard({ fetch: async () => five })('https://x.test/')).toBe(five);
    const told = jsonResponse(429, quotaBody, { 'x-should-retry': 'false' });
    expect(await createRetryGuard({ fetch: async () => told })('https://x.test/')).toBe(told);
    expect(five.bodyUsed || told.bodyUsed).toBe(false);
  });

  it('marks a quota 429 even when the upstream said x-should-retry: true, keeps body, status and url', async () => {
    const res = jsonResponse(429, quotaBody, { 'x-should-retry': 'true', 'x-request-id': 'r1' });
    Object.defineProperty(res, 'url', { value: 'https://api.openai.com/v1/chat/completions' });
    const guarded = await createRetryGuard({ fetch: async () => res })('https://x.test/');
    expect(guarded.headers.get('x-should-retry')).toBe('false');
    expect(guarded.headers.get('x-request-id')).toBe('r1');
    expect(guarded.status).toBe(429);
    expect(guarded.url).toBe('https://api.openai.com/v1/chat/completions');
    expect(await guarded.text()).toBe(quotaBody);
  });

  it('a rate-limit 429 keeps its headers and its body', async () => {
    const body = JSON.stringify({
      error: {
        message: 'Rate limit reached for requests',
        type: 'requests',
        code: 'rate_limit_exceeded',
      },
    });
    const guarded = await createRetryGuard({
      fetch: async () => jsonResponse(429, body, { 'retry-after': '2' }),
    })('https://x.test/');
    expect(guarded.headers.get('x-should-retry')).toBeNull();
    expect(guarded.headers.get('retry-after')).toBe('2');
    expect(await guarded.text()).toBe(body);
  });

  it('a body-less 401 is marked from its status', async () => {
    const guarded = await createRetryGuard({
      fetch: async () => new Response(null, { status: 401 }),
    })('https://api.openai.com/v1/chat/completions');
    expect(guarded.headers.get('x-should-retry')).toBe('false');
  });

  it('a huge streaming error body: pulls a bounded prefix, the SDK still gets every byte', async () => {
    const chunk = new TextEncoder().encode(`${'x'.repeat(1023)}\n`);
    const chunks = 10 * 1024; // 10 MiB
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulled >= chunks) controller.close();
          else {
            pulled++;
            controller.enqueue(chunk);
          }
        },
      },
      { highWaterMark: 0 },
    );
    const guarded = await createRetryGuard({
      maxBodyBytes: 16 * 1024,
      fetch: async () => new Response(body, { status: 413 }),
    })('https://api.openai.com/v1/chat/completions');
    // What the classifier read, plus what the stream queues ahead: nowhere near the 10 MiB.
    expect(pulled).toBeLessThan(64);
    expect(guarded.headers.get('x-should-retry')).toBe('false');
    const all = await guarded.arrayBuffer();
    expect(all.byteLength).toBe(chunks * chunk.byteLength);
  });

  it('a body that errors mid-read: the guard answers, the reader gets the error', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"error":{"code":"insuff'));
        controller.error(new Error('socket hang up'));
      },
    });
    const guarded = await createRetryGuard({
      fetch: async () => new Response(body, { status: 429 }),
    })('https://x.test/');
    expect(guarded.status).toBe(429);
    await expect(guarded.text()).rejects.toThrow('socket hang up');
  });

  it('a body that errors mid-read through the SDK: one request, the SDK error, no crash', async () => {
    const error = await new OpenAI({
      apiKey: 'sk-test-broken-body',
      baseURL: 'https://api.openai.test/v1',
      fetch: createRetryGuard({
        fetch: async () =>
          new Response(
            new ReadableStream({
              start(c) {
                c.error(new Error('reset'));
              },
            }),
            { status: 401 },
          ),
      }),
    }).chat.completions
      .create(chat)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
  });

  it('a fetch that throws rejects with its own error, untouched', async () => {
    const boom = new TypeError('fetch failed');
    const guarded = createRetryGuard({
      fetch: async () => {
        throw boom;
      },
    });
    await expect(guarded('https://x.test/')).rejects.toBe(boom);
  });

  it('a non-Response passes through as it came', async () => {
    for (const value of [undefined, null, 'text', 42, { status: 'x' }, { status: 429 }]) {
      const guarded = createRetryGuard({ fetch: async () => value as unknown as Response });
      expect(await guarded('https://x.test/')).toBe(value);
    }
    const hostile = new Proxy(
      {},
      {
        // `then` answers so the promise can resolve with it; every other read throws.
        get(_, name) {
          if (name === 'then') return undefined;
          throw new Error('hostile');
        },
      },
    ) as Response;
    expect(await createRetryGuard({ fetch: async () => hostile })('https://x.test/')).toBe(hostile);
  });

  it('a response whose headers are mutable (node-fetch style, no web stream) is marked in place', async () => {
    const headers = new Headers({ 'content-type': 'application/json' });
    const res = {
      status: 429,
      url: 'https://api.openai.com/v1/chat/completions',
      headers,
      body: null,
      text: async () => quotaBody,
    } as unknown as Response;
    const guarded = await createRetryGuard({ fetch: async () => res })('https://x.test/');
    expect(guarded).toBe(res);
    // Without a body to read it classifies from status and headers alone: a plain 429 is a rate limit.
    expect(headers.get('x-should-retry')).toBeNull();
    const withClone = {
      ...res,
      body: {},
      clone: () => ({ status: 429, headers, text: async () => quotaBody }),
    } as unknown as Response;
    await createRetryGuard({ fetch: async () => withClone })('https://x.test/');
    expect(headers.get('x-should-retry')).toBe('false');
  });

  it('bad options: one warning each at creation, then the defaults', async () => {
    const warn = vi.fn();
    const res = jsonResponse(429, quotaBody);
    const original = globalThis.fetch;
    globalThis.fetch = async () => res;
    try {
      const guarded = createRetryGuard({
        fetch: 'nope' as unknown as typeof fetch,
        maxBodyBytes: Number.NaN,
        logger: { warn },
      });
      expect(warn).toHaveBeenCalledTimes(2);
      const answer = await guarded('https://x.test/');
      expect(answer.headers.get('x-should-retry')).toBe('false');
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      globalThis.fetch = original;
    }
    expect(() =>
      createRetryGuard({
        fetch: 1 as unknown as typeof fetch,
        logger: {
          warn: () => {
            throw new Error('logger down');
          },
        },
      }),
    ).not.toThrow();
  });
});
