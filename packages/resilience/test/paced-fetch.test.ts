import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createPacedFetch,
  type PacedFetch,
  type PacedFetchHoldEvent,
  type PacedFetchOptions,
} from '../src/paced-fetch.js';
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

interface Call {
  readonly url: string;
  readonly key: string | null;
  readonly at: number;
  answer(status: number, headers?: Record<string, string>): void;
  fail(error: unknown): void;
}

/** An upstream whose answers the test gives by hand, so it controls what is in flight. */
function manualUpstream() {
  const calls: Call[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const headers = new Headers(
        init?.headers ?? (input instanceof Request ? input.headers : undefined),
      );
      calls.push({
        url,
        key: headers.get('authorization') ?? headers.get('x-api-key'),
        at: Date.now(),
        answer: (status, h = {}) => resolve(new Response('{}', { status, headers: h })),
        fail: reject,
      });
    });
  return { calls, fetch };
}

/** An upstream that answers at once with the headers `headersFor` gives. */
function autoUpstream(headersFor: (n: number) => Record<string, string>, status = 200) {
  const calls: { url: string; at: number }[] = [];
  const fetch = async (input: string | URL | Request) => {
    calls.push({ url: String(input instanceof Request ? input.url : input), at: Date.now() });
    return new Response('{}', { status, headers: headersFor(calls.length) });
  };
  return { calls, fetch };
}

const URL_A = 'https://api.example.test/v1/chat';
const AUTH_A = { authorization: 'Bearer sk-test-aaaaaaaaaaaaaaaaaaaa' };
const AUTH_B = { authorization: 'Bearer sk-test-bbbbbbbbbbbbbbbbbbbb' };

function setup(fetch: PacedFetch, extra: Partial<PacedFetchOptions> = {}) {
  const holds: PacedFetchHoldEvent[] = [];
  const paced = createPacedFetch({ fetch, onHold: (e) => holds.push(e), ...extra });
  return { paced, holds };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createPacedFetch: holding spent budgets', () => {
  const openaiSpent = () => ({
    'x-ratelimit-limit-requests': '3',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': '2s',
  });

  it('holds the next request until the reset the upstream announced', async () => {
    const up = autoUpstream(openaiSpent);
    const { paced, holds } = setup(up.fetch);
    await paced(URL_A, { headers: AUTH_A });
    const second = paced(URL_A, { headers: AUTH_A });
    await until(() => holds.length === 1, 'the hold');
    expect(holds[0]).toEqual({ origin: 'https://api.example.test', waitMs: 2000, queued: 1 });
    await vi.advanceTimersByTimeAsync(1999);
    expect(up.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await second;
    expect(up.calls).toHaveLength(2);
  });

  it("refill: 'continuous' lets one request go as soon as an OpenAI bucket has one slot back", async () => {
    const up = autoUpstream(openaiSpent);
    const { paced, holds } = setup(up.fetch, { refill: 'continuous' });
    await paced(URL_A, { headers: AUTH_A });
    const second = paced(URL_A, { headers: AUTH_A });
    await until(() => holds.length === 1, 'the hold');
    // Full in 2 s from empty, linearly: one of three slots is back after 667 ms.
    expect(holds[0]).toEqual({ origin: 'https://api.example.test', waitMs: 667, queued: 1 });
    await vi.advanceTimersByTimeAsync(666);
    expect(up.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await second;
    expect(up.calls).toHaveLength(2);
  });

  it('holds until the reset of a fixed window (IETF RateLimit)', async () => {
    const up = autoUpstream(() => ({
      'ratelimit-policy': '"burst";q=100;w=60',
      ratelimit: '"burst";r=0;t=30',
    }));
    const { paced, holds } = setup(up.fetch);
    await paced(URL_A);
    const held = paced(URL_A);
    await until(() => holds.length === 1, 'the hold');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(up.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await held;
    expect(up.calls).toHaveLength(2);
  });

  it('a spent token budget holds until its reset, whatever the request budget says', async () => {
    const up = autoUpstream(() => ({
      'x-ratelimit-limit-requests': '5000',
      'x-ratelimit-remaining-requests': '4990',
      'x-ratelimit-reset-requests': '120ms',
      'x-ratelimit-limit-tokens': '40000',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '1.2s',
    }));
    const { paced, holds } = setup(up.fetch);
    await paced(URL_A);
    const held = paced(URL_A);
    await until(() => holds.length === 1, 'the hold');
    expect(holds[0]?.waitMs).toBe(1200);
    await vi.advanceTimersByTimeAsync(1199);
    expect(up.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await held;
    expect(up.calls).toHaveLength(2);
  });

  it('learns what a request spends of a token budget and holds when the rest would not fit', async () => {
    const up = autoUpstream((n) => ({
      'x-ratelimit-limit-requests': '100',
      'x-ratelimit-remaining-requests': String(100 - n),
      'x-ratelimit-reset-requests': '60s',
      'x-ratelimit-limit-tokens': '50',
      'x-ratelimit-remaining-tokens': String(50 - 14 * n),
      'x-ratelimit-reset-tokens': '60s',
    }));
    const { paced, holds } = setup(up.fetch);
    // The first answer shows the budget, the second what one request costs (14), the third
    // leaves 8: the fourth would not fit.
    for (let i = 0; i < 3; i++) await paced(URL_A);
    expect(holds).toEqual([]);
    const held = paced(URL_A);
    await until(() => holds.length === 1, 'the hold');
    expect(holds[0]?.waitMs).toBe(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    await held;
    expect(up.calls).toHaveLength(4);
  });

  it('a 429 with Retry-After holds every request for that key', async () => {
    const up = autoUpstream(() => ({ 'retry-after': '5' }), 429);
    const { paced, holds } = setup(up.fetch);
    expect((await paced(URL_A)).status).toBe(429);
    const held = paced(URL_A);
    await until(() => holds.length === 1, 'the hold');
    await vi.advanceTimersByTimeAsync(4999);
    expect(up.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await held;
    expect(up.calls).toHaveLength(2);
  });

  it('requests with budget left, or with no budget reported, go at once', async () => {
    const up = autoUpstream(() => ({}));
    const { paced, holds } = setup(up.fetch);
    await Promise.all(Array.from({ length: 20 }, () => paced(URL_A)));
    expect(up.calls).toHaveLength(20);
    expect(holds).toEqual([]);
  });
});

describe('createPacedFetch: concurrency', () => {
  it('reserves request budget for requests in flight, so concurrent callers cannot overspend', async () => {
    const up = manualUpstream();
    const { paced } = setup(up.fetch);
    const first = paced(URL_A);
    await until(() => up.calls.length === 1, 'first call');
    up.calls[0]?.answer(200, { ratelimit: '"w";r=2;t=60', 'ratelimit-policy': '"w";q=10;w=60' });
    await first;

    const five = Array.from({ length: 5 }, () => paced(URL_A));
    await until(() => up.calls.length === 3, 'two admitted');
    await vi.advanceTimersByTimeAsync(0);
    expect(up.calls).toHaveLength(3);

    // A second later the server counted one of them: one left, but the other is still in flight.
    await vi.advanceTimersByTimeAsync(1000);
    up.calls[1]?.answer(200, { ratelimit: '"w";r=1;t=59' });
    await vi.advanceTimersByTimeAsync(0);
    expect(up.calls).toHaveLength(3);
    up.calls[2]?.answer(200, { ratelimit: '"w";r=0;t=59' });
    await vi.advanceTimersByTimeAsync(58_999);
    expect(up.calls).toHaveLength(3);

    // After the reset the quota is back (q=10): the three held requests go.
    await vi.advanceTimersByTimeAsync(1);
    await until(() => up.calls.length === 6, 'the rest');
    for (const c of up.calls.slice(3)) c.answer(200);
    await Promise.all(five);
  });

  it('a failed request releases its reservation', async () => {
    const up = manualUpstream();
    const { paced } = setup(up.fetch);
    const first = paced(URL_A);
    await until(() => up.calls.length === 1, 'first call');
    up.calls[0]?.answer(200, { ratelimit: '"w";r=1;t=60' });
    await first;

    const a = paced(URL_A);
    const b = paced(URL_A);
    await until(() => up.calls.length === 2, 'one admitted');
    await vi.advanceTimersByTimeAsync(0);
    expect(up.calls).toHaveLength(2);
    up.calls[1]?.fail(new TypeError('fetch failed'));
    await expect(a).rejects.toThrow('fetch failed');
    await until(() => up.calls.length === 3, 'the held one');
    up.calls[2]?.answer(200);
    expect((await b).status).toBe(200);
  });

  it('an answer to an older request arriving late cannot raise the estimate', async () => {
    const up = manualUpstream();
    const { paced, holds } = setup(up.fetch);
    const older = paced(URL_A);
    await until(() => up.calls.length === 1, 'first');
    await vi.advanceTimersByTimeAsync(10);
    const newer = paced(URL_A);
    await until(() => up.calls.length === 2, 'second');
    up.calls[1]?.answer(200, { ratelimit: '"w";r=0;t=60' });
    up.calls[0]?.answer(200, { ratelimit: '"w";r=5;t=60' });
    await Promise.all([older, newer]);
    const held = paced(URL_A);
    await until(() => holds.length === 1, 'the hold');
    expect(holds[0]?.waitMs).toBe(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    await until(() => up.calls.length === 3, 'after reset');
    up.calls[2]?.answer(200);
    await held;
  });

  it('an answer sent later but counted earlier by the upstream cannot raise the estimate', async () => {
    const up = manualUpstream();
    const { paced, holds } = setup(up.fetch);
    const sentFirst = paced(URL_A);
    const sentSecond = paced(URL_A);
    await until(() => up.calls.length === 2, 'both sent');
    // The upstream counted the second first (2 left), then the first (1 left); the first's
    // answer arrives first. One slot is left in this window, not two.
    up.calls[0]?.answer(200, { ratelimit: '"w";r=1;t=60' });
    await sentFirst;
    up.calls[1]?.answer(200, { ratelimit: '"w";r=2;t=60' });
    await sentSecond;
    const last = paced(URL_A);
    await until(() => up.calls.length === 3, 'the last slot');
    const held = paced(URL_A);
    await until(() => holds.length === 1, 'the hold');
    expect(up.calls).toHaveLength(3);
    up.calls[2]?.answer(200, { ratelimit: '"w";r=0;t=60' });
    await last;
    await vi.advanceTimersByTimeAsync(60_000);
    await until(() => up.calls.length === 4, 'after reset');
    up.calls[3]?.answer(200);
    await held;
  });
});

describe('createPacedFetch: maxWaitMs', () => {
  const spent = () => ({ ratelimit: '"day";r=0;t=600' });

  it('answers a local 429 the SDKs will not retry, without sending, when the reset is beyond maxWaitMs', async () => {
    const up = autoUpstream(spent);
    const { paced } = setup(up.fetch, { maxWaitMs: 1000 });
    await paced(URL_A);
    const res = await paced(URL_A);
    expect(up.calls).toHaveLength(1);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('600');
    expect(res.headers.get('retry-after-ms')).toBe('600000');
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(res.headers.get('x-four29-paced')).toBe('over-max-wait');
    const body = (await res.json()) as {
      type: string;
      error: { type: string; code: string; message: string };
    };
    expect(body.type).toBe('error');
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(body.error.message).toContain('resets in 600s');
  });

  it("overMaxWait: 'send' sends it anyway", async () => {
    const up = autoUpstream(spent);
    const { paced } = setup(up.fetch, { maxWaitMs: 1000, overMaxWait: 'send' });
    await paced(URL_A);
    expect((await paced(URL_A)).status).toBe(200);
    expect(up.calls).toHaveLength(2);
  });

  it('a hold waiting on answers in flight gives up at maxWaitMs', async () => {
    const up = manualUpstream();
    const { paced } = setup(up.fetch, { maxWaitMs: 5000 });
    const first = paced(URL_A);
    await until(() => up.calls.length === 1, 'first');
    // Remaining 1 and no reset: the next must wait for the one in flight to answer.
    up.calls[0]?.answer(200, { 'x-ratelimit-remaining': '1' });
    await first;
    const inFlight = paced(URL_A);
    await until(() => up.calls.length === 2, 'second');
    const held = paced(URL_A);
    await vi.advanceTimersByTimeAsync(4999);
    expect(up.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    const res = await held;
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeNull();
    up.calls[1]?.answer(200);
    await inFlight;
  });
});

describe('createPacedFetch: abort', () => {
  it("abort while held rejects with the signal's reason and sends nothing", async () => {
    const up = autoUpstream(() => ({ ratelimit: '"w";r=0;t=30' }));
    const { paced, holds } = setup(up.fetch);
    await paced(URL_A);
    const controller = new AbortController();
    const held = paced(URL_A, { signal: controller.signal });
    await until(() => holds.length === 1, 'the hold');
    const reason = new Error('client went away');
    controller.abort(reason);
    await expect(held).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(up.calls).toHaveLength(1);
  });

  it('an already aborted signal rejects at once, for init and Request signals alike', async () => {
    const up = autoUpstream(() => ({}));
    const { paced } = setup(up.fetch);
    const controller = new AbortController();
    controller.abort();
    await expect(paced(URL_A, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await expect(paced(new Request(URL_A, { signal: controller.signal }))).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(up.calls).toHaveLength(0);
  });

  it('an aborted request ahead in the queue does not block the ones behind it', async () => {
    const up = autoUpstream(() => ({ 'retry-after': '2' }), 429);
    const { paced, holds } = setup(up.fetch);
    await paced(URL_A);
    const controller = new AbortController();
    const first = paced(URL_A, { signal: controller.signal });
    const second = paced(URL_A);
    await until(() => holds.length === 2, 'two holds');
    controller.abort();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(2000);
    expect((await second).status).toBe(429);
    expect(up.calls).toHaveLength(2);
  });
});

describe('createPacedFetch: a long-lived signal collects no listeners', () => {
  it('held requests remove their abort listener when admitted and when answered locally', async () => {
    let retryAfter: string | undefined = '2';
    const fetch = async () => {
      const block = retryAfter;
      retryAfter = undefined;
      return block !== undefined
        ? new Response('{}', { status: 429, headers: { 'retry-after': block } })
        : new Response('{}', { status: 200 });
    };
    const { paced, holds } = setup(fetch, { maxWaitMs: 5000 });
    // One signal for the whole process (a server's shutdown signal, say).
    const signal = new AbortController().signal;
    const listeners = () => getEventListeners(signal, 'abort').length;
    expect((await paced(URL_A, { signal })).status).toBe(429);
    expect(listeners()).toBe(0);

    // Held for 2 s, then admitted and sent.
    const admitted = Array.from({ length: 50 }, () => paced(URL_A, { signal }));
    await until(() => holds.length === 50, 'fifty holds');
    expect(listeners()).toBe(50);
    await vi.advanceTimersByTimeAsync(2000);
    expect((await Promise.all(admitted)).map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(listeners()).toBe(0);

    // Blocked beyond maxWaitMs: answered with a local 429, not sent.
    retryAfter = '60';
    expect((await paced(URL_A)).status).toBe(429);
    const local = await Promise.all(Array.from({ length: 50 }, () => paced(URL_A, { signal })));
    expect(local.map((r) => r.headers.get('x-four29-paced'))).toEqual(
      Array(50).fill('over-max-wait'),
    );
    expect(listeners()).toBe(0);
  });
});

describe('createPacedFetch: state per origin and key', () => {
  it('a spent key does not hold other keys or other origins', async () => {
    const up = autoUpstream((n) => (n === 1 ? { ratelimit: '"w";r=0;t=30' } : {}));
    const { paced, holds } = setup(up.fetch);
    await paced(URL_A, { headers: AUTH_A });
    await paced(URL_A, { headers: AUTH_B });
    await paced(new Request(URL_A, { headers: { 'x-api-key': 'sk-ant-other-key-000000000' } }));
    await paced('https://other.example.test/v1/chat', { headers: AUTH_A });
    expect(up.calls).toHaveLength(4);
    expect(holds).toEqual([]);
    const held = paced(new URL(URL_A), { headers: new Headers(AUTH_A) });
    await until(() => holds.length === 1, 'the hold for key A');
    await vi.advanceTimersByTimeAsync(30_000);
    await held;
  });

  it('forgets the least recently used state beyond maxEntries', async () => {
    const up = autoUpstream((n) => (n === 1 ? { ratelimit: '"w";r=0;t=30' } : {}));
    const { paced, holds } = setup(up.fetch, { maxEntries: 2 });
    await paced(URL_A, { headers: AUTH_A });
    await paced(URL_A, { headers: AUTH_B });
    await paced(URL_A, { headers: { authorization: 'Bearer third-key-cccccccccccc' } });
    await paced(URL_A, { headers: AUTH_A });
    expect(holds).toEqual([]);
    expect(up.calls).toHaveLength(4);
  });
});

describe('createPacedFetch: bad inputs', () => {
  it('malformed, negative and NaN budget headers never hold a request', async () => {
    const up = autoUpstream(() => ({
      'x-ratelimit-limit-requests': 'many',
      'x-ratelimit-remaining-requests': '-1',
      'x-ratelimit-reset-requests': 'NaN',
      'anthropic-ratelimit-requests-remaining': 'zero',
      'anthropic-ratelimit-requests-reset': '-2026',
      ratelimit: '"w";r=;t=-5, ;;;',
      'retry-after': 'soon',
    }));
    const { paced, holds } = setup(up.fetch);
    for (let i = 0; i < 5; i++) await paced(URL_A);
    expect(up.calls).toHaveLength(5);
    expect(holds).toEqual([]);
  });

  it('a spent budget with a negative reset is not a hold forever', async () => {
    const up = autoUpstream(() => ({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '-30' }));
    const { paced } = setup(up.fetch);
    for (let i = 0; i < 3; i++) await paced(URL_A);
    expect(up.calls).toHaveLength(3);
  });

  it('passes through whatever the wrapped fetch throws, Error or not', async () => {
    const boom = { not: 'an error' };
    const { paced } = setup(() => {
      throw boom;
    });
    await expect(paced(URL_A)).rejects.toBe(boom);
    const { paced: p2 } = setup(() => Promise.reject('plain string'));
    await expect(p2(URL_A)).rejects.toBe('plain string');
  });

  it('hostile inputs and hooks do not break it', async () => {
    const seen: unknown[] = [];
    const hostile = {
      get url(): string {
        throw new Error('getter');
      },
    };
    const paced = createPacedFetch({
      fetch: async (input) => {
        seen.push(input);
        return new Response('{}', { status: 429, headers: { 'retry-after': '1' } });
      },
      onHold: () => {
        throw new Error('hook');
      },
      now: () => Number.NaN,
    });
    await paced(hostile as unknown as Request);
    await paced('not a url', { headers: [['Authorization', 'Bearer x']] as [string, string][] });
    const held = paced('not a url', {
      headers: [['Authorization', 'Bearer x']] as [string, string][],
    });
    await vi.advanceTimersByTimeAsync(1000);
    await held;
    expect(seen).toHaveLength(3);
    expect(seen[0]).toBe(hostile);
  });
});

const GEMINI_URL = 'https://generativelanguage.example.test/v1beta/models/x:generateContent';
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

describe('createPacedFetch: configured budgets', () => {
  it('requestsPerMinute holds requests beyond the bucket, then lets one go per refilled slot', async () => {
    const up = silentUpstream();
    const holds: PacedFetchHoldEvent[] = [];
    const paced = createPacedFetch({
      fetch: up.fetch,
      requestsPerMinute: 2,
      onHold: (e) => holds.push(e),
    });
    await paced(GEMINI_URL, { headers: HEADERS });
    await paced(GEMINI_URL, { headers: HEADERS });
    const third = paced(GEMINI_URL, { headers: HEADERS });
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
    await paced(GEMINI_URL, { method: 'POST', headers: HEADERS, body });
    const second = paced(GEMINI_URL, { method: 'POST', headers: HEADERS, body });
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
    await paced(GEMINI_URL, { headers: HEADERS });
    const next = paced(GEMINI_URL, { headers: HEADERS });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(up.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await next;
    expect(up.calls).toHaveLength(2);
  });

  it('beyond maxWaitMs a configured budget answers the local 429', async () => {
    const up = silentUpstream();
    const paced = createPacedFetch({ fetch: up.fetch, requestsPerMinute: 1, maxWaitMs: 1000 });
    await paced(GEMINI_URL, { headers: HEADERS });
    const res = await paced(GEMINI_URL, { headers: HEADERS });
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
      await paced(GEMINI_URL, { headers: HEADERS });
      await paced(GEMINI_URL, { headers: HEADERS });
    }
    const loose = createPacedFetch({
      fetch: up.fetch,
      requestsPerMinute: -1,
      tokensPerMinute: Number.NaN,
    });
    for (let i = 0; i < 5; i++) await loose(GEMINI_URL, { headers: HEADERS });
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
