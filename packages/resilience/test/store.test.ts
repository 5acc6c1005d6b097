/**
 * The helpers against stores that misbehave in every way a network store can: throwing, rejecting
 * with odd values, never answering. Real Redis faults are tested in @four29/redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuotaBreaker, type QuotaBreakerOptions } from '../src/breaker.js';
import { createMemoryStore } from '../src/memory-store.js';
import { createPacedFetch, type PacedFetchOptions } from '../src/paced-fetch.js';
import type { ResilienceStore } from '../src/store.js';
import { upstreamError } from './upstream-errors.js';

const KEY = 'sk-proj-storetest-aaaaaaaaaaaaaaaaaaaaaa';
const URL_A = 'https://api.example.test/v1/chat';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** A store whose every method does `behave()`. */
function storeThat(behave: () => Promise<never>): ResilienceStore {
  return {
    breakerEnter: behave,
    breakerTrip: behave,
    breakerSettle: behave,
    breakerReset: behave,
    breakerRead: behave,
    paceAcquire: behave,
    paceRelease: behave,
  };
}

const hostile: [string, () => Promise<never>][] = [
  [
    'throws synchronously',
    () => {
      throw new Error('ECONNREFUSED 127.0.0.1:6379');
    },
  ],
  ['rejects with null', () => Promise.reject(null)],
  [
    'rejects with a Proxy whose getters throw',
    () =>
      Promise.reject(
        new Proxy(
          {},
          {
            get() {
              throw new Error('trap');
            },
          },
        ),
      ),
  ],
  ['never answers', () => new Promise<never>(() => {})],
];

describe.each(hostile)('a store that %s', (_name, behave) => {
  it('costs each call at most the store timeout, then in-process state decides; one warning', async () => {
    const warnings: unknown[] = [];
    const logger = { warn: (obj: unknown) => warnings.push(obj) };
    const store = storeThat(behave);
    const common = { store, storeTimeoutMs: 20, logger };
    const breaker = createQuotaBreaker(common satisfies QuotaBreakerOptions);
    const sent: string[] = [];
    const paced = createPacedFetch({
      ...common,
      fetch: async () => {
        sent.push('x');
        return new Response('{}');
      },
    } satisfies PacedFetchOptions);

    await expect(breaker.run(async () => 'ok', { key: KEY })).resolves.toBe('ok');
    const quota = upstreamError('openai.insufficient_quota');
    await expect(breaker.run(() => Promise.reject(quota), { key: KEY })).rejects.toBe(quota);
    // The store did not take the trip: this instance remembers it.
    await expect(breaker.run(async () => 'ok', { key: KEY })).rejects.toBe(quota);
    expect((await breaker.state({ key: KEY })).status).toBe('open');
    await breaker.reset({ key: KEY });
    expect((await breaker.state({ key: KEY })).status).toBe('closed');

    for (let i = 0; i < 5; i++) {
      expect((await paced(URL_A, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(
        200,
      );
    }
    expect(sent).toHaveLength(5);
    // The breaker and the paced fetch share the store object: one warning for both.
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).not.toContain(KEY.slice(8));
    expect(unhandled).toEqual([]);
  });
});

describe('a store slower than its timeout', () => {
  it('is asked again from the call after its late answer; one warning until it answers in time', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const memory = createMemoryStore();
    let delay = 80;
    let asked = 0;
    const slow: ResilienceStore = {
      ...memory,
      async paceAcquire(...args) {
        asked++;
        await sleep(delay);
        return memory.paceAcquire(...args);
      },
      async paceRelease(...args) {
        await sleep(delay);
        return memory.paceRelease(...args);
      },
    };
    const warnings: unknown[] = [];
    const paced = createPacedFetch({
      store: slow,
      storeTimeoutMs: 20,
      logger: { warn: (obj: unknown) => warnings.push(obj) },
      fetch: async () => new Response('{}'),
    });
    const call = async () =>
      (await paced(URL_A, { headers: { authorization: `Bearer ${KEY}` } })).status;

    expect(await call()).toBe(200);
    expect([asked, warnings.length]).toEqual([1, 1]);
    // Within the back-off after a failure the store is left alone...
    expect(await call()).toBe(200);
    expect(asked).toBe(1);
    // ...but once its late answer came, it is up: the next call asks it again, and a slow
    // answer in the same outage warns no more.
    await sleep(250);
    expect(await call()).toBe(200);
    expect([asked, warnings.length]).toEqual([2, 1]);
    await sleep(250);
    delay = 0;
    expect(await call()).toBe(200);
    expect(asked).toBe(3);
    // Answered in time, the outage is over: the next one warns again.
    delay = 80;
    expect(await call()).toBe(200);
    expect([asked, warnings.length]).toEqual([4, 2]);
    await sleep(250);
  });
});

describe('store options', () => {
  it('accept explicit undefined (exactOptionalPropertyTypes) and a logger that throws', async () => {
    const maybe = <T>(v: T | undefined) => v;
    const breaker = createQuotaBreaker({
      store: maybe<ResilienceStore>(undefined),
      storeTimeoutMs: maybe<number>(undefined),
      logger: maybe<false>(undefined),
    });
    await expect(breaker.run(() => 1)).resolves.toBe(1);
    const paced = createPacedFetch({
      fetch: async () => new Response('{}'),
      store: storeThat(() => Promise.reject(new Error('down'))),
      storeTimeoutMs: maybe<number>(undefined),
      storePollMs: maybe<number>(undefined),
      storeLeaseMs: maybe<number>(undefined),
      requestsPerMinute: maybe<number>(undefined),
      tokensPerMinute: maybe<number>(undefined),
      estimateTokens: maybe<PacedFetchOptions['estimateTokens']>(undefined),
      logger: {
        warn() {
          throw new Error('broken logger');
        },
      },
    });
    expect((await paced(URL_A)).status).toBe(200);
  });

  it('an abort while the store decides sends nothing and gives the reservation back', async () => {
    const released: string[] = [];
    const controller = new AbortController();
    const store: ResilienceStore = {
      ...storeThat(() => Promise.reject(new Error('unused'))),
      paceAcquire: async () => {
        controller.abort(new Error('client went away'));
        return { go: true, seq: 1 };
      },
      paceRelease: async (_id, _now, reservation) => {
        released.push(reservation);
      },
    };
    const sent: string[] = [];
    const paced = createPacedFetch({
      store,
      logger: false,
      fetch: async () => {
        sent.push('x');
        return new Response('{}');
      },
    });
    await expect(paced(URL_A, { signal: controller.signal })).rejects.toThrow('client went away');
    expect(sent).toEqual([]);
    expect(released).toHaveLength(1);
  });
});

describe('createMemoryStore', () => {
  // The full contract runs in @four29/redis, beside the Redis store; here only that it is one.
  it('shares a breaker and a configured budget between helpers in one process', async () => {
    const store = createMemoryStore();
    const one = createQuotaBreaker({ store });
    const two = createQuotaBreaker({ store });
    await one
      .run(() => Promise.reject(upstreamError('openai.insufficient_quota')), { key: KEY })
      .catch(() => {});
    await expect(two.run(async () => 'sent', { key: KEY })).rejects.toMatchObject({ status: 429 });

    const sent: string[] = [];
    const make = () =>
      createPacedFetch({
        store,
        requestsPerMinute: 1,
        maxWaitMs: 10,
        fetch: async () => {
          sent.push('x');
          return new Response('{}');
        },
      });
    expect((await make()(URL_A)).status).toBe(200);
    expect((await make()(URL_A)).status).toBe(429);
    expect(sent).toHaveLength(1);
  });
});
