import { createUpstreamErrorHandler } from '@four29/core';
import { fixtureById } from '@four29/fixtures';
import {
  createMemoryStore,
  createPacedFetch,
  createQuotaBreaker,
  type PaceDecision,
  type ResilienceStore,
} from '@four29/resilience';
import { upstreamHttpError as upstreamError } from '@four29/test-kit';
import { type RedisServer, startRedisServer } from '@four29/test-kit/redis-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.js';
import { CLIENTS, type ClientKind, type TestClient } from './clients.js';

const KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
const URL_A = 'https://api.openai.example.test/v1/chat/completions';
const AUTH = { authorization: `Bearer ${KEY}` };

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

/**
 * The same behaviour through Redis with each real client, and through @four29/resilience's
 * in-memory store shared by two helpers in one process (the reference the Lua scripts follow).
 */
const BACKENDS: readonly { name: string; client?: ClientKind }[] = [
  ...CLIENTS.map((client) => ({ name: client.name, client })),
  { name: 'createMemoryStore' },
];

describe.each(BACKENDS)('shared state through $name', (backend) => {
  // Two instances of a service: two clients, two stores, one Redis.
  let a: TestClient | undefined;
  let b: TestClient | undefined;
  let storeA: ResilienceStore;
  let storeB: ResilienceStore;
  let redisStore: RedisStore | undefined;
  let prefix = '';
  let n = 0;
  const onRedis = backend.client !== undefined ? it : it.skip;
  beforeAll(async () => {
    a = await backend.client?.connect(server.port);
    b = await backend.client?.connect(server.port);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });
  beforeEach(() => {
    prefix = `t${++n}-${backend.name}:`;
    if (a === undefined || b === undefined) {
      storeA = storeB = createMemoryStore();
      redisStore = undefined;
      return;
    }
    redisStore = createRedisStore({ client: a.client, prefix });
    storeA = redisStore;
    storeB = createRedisStore({ client: b.client, prefix });
  });

  async function command(...args: string[]): Promise<unknown> {
    if (a === undefined) throw new Error('no Redis client in the memory-only run');
    const c = a.client as { call?: (...x: string[]) => Promise<unknown> };
    if (typeof c.call === 'function') return c.call(...args);
    return (a.client as { sendCommand(x: string[]): Promise<unknown> }).sendCommand(args);
  }

  it('a quota error on one instance opens the breaker on the other; it fails fast, classified alike', async () => {
    let t = Date.now();
    const now = () => t;
    const one = createQuotaBreaker({ store: storeA, cooldownMs: 1000, now, logger: false });
    const two = createQuotaBreaker({ store: storeB, cooldownMs: 1000, now, logger: false });
    const quota = upstreamError('openai.insufficient_quota');
    await expect(
      one.run(() => Promise.reject(quota), { key: KEY, provider: 'openai' }),
    ).rejects.toBe(quota);

    const fn = vi.fn(async () => 'sent');
    const failed = await two.run(fn, { key: KEY, provider: 'openai' }).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    const handle = createUpstreamErrorHandler({ logger: false });
    expect(handle(failed)?.classification).toMatchObject({
      kind: 'quota_exhausted',
      provider: 'openai',
      upstreamCode: 'insufficient_quota',
    });
    // Its problem response names the kind, not the other instance's upstream message.
    expect(JSON.stringify(handle(failed)?.problem)).not.toContain(
      'You exceeded your current quota',
    );
    expect(await two.state({ key: KEY, provider: 'openai' })).toMatchObject({
      status: 'open',
      rejected: 1,
    });
    // The instance that saw the error rethrows that very error.
    await expect(one.run(fn, { key: KEY, provider: 'openai' })).rejects.toBe(quota);
    // Other keys and providers are untouched.
    await expect(two.run(fn, { key: 'sk-other-000000000000', provider: 'openai' })).resolves.toBe(
      'sent',
    );
    t += 1000;
    expect((await one.state({ key: KEY, provider: 'openai' })).status).toBe('half-open');
  });

  it('upstream_auth trips it too, for every provider format', async () => {
    const one = createQuotaBreaker({ store: storeA, logger: false });
    const two = createQuotaBreaker({ store: storeB, logger: false });
    for (const id of ['anthropic.auth', 'anthropic.credit_balance_too_low']) {
      const f = fixtureById(id);
      await one.run(() => Promise.reject(upstreamError(id)), { key: id }).catch(() => {});
      const failed = await two.run(async () => 'sent', { key: id }).catch((e: unknown) => e);
      const expected = createUpstreamErrorHandler({ logger: false })(upstreamError(id));
      const got = createUpstreamErrorHandler({ logger: false })(failed);
      expect(got?.classification.kind, f.id).toBe(expected?.classification.kind);
      expect(got?.problem.status, f.id).toBe(expected?.problem.status);
    }
  });

  it('the probe after the cool-down is leased fleet-wide; its success closes the breaker everywhere', async () => {
    let t = Date.now();
    const now = () => t;
    const one = createQuotaBreaker({ store: storeA, cooldownMs: 1000, now, logger: false });
    const two = createQuotaBreaker({ store: storeB, cooldownMs: 1000, now, logger: false });
    const events: unknown[] = [];
    const three = createQuotaBreaker({
      store: storeB,
      cooldownMs: 1000,
      now,
      logger: false,
      onStateChange: (e) => events.push(e),
    });
    const quota = upstreamError('openai.insufficient_quota');
    await one.run(() => Promise.reject(quota), { key: KEY }).catch(() => {});
    t += 1000;

    let release: (v: string) => void = () => {};
    const probe = vi.fn(() => new Promise<string>((r) => (release = r)));
    const probing = one.run(probe, { key: KEY });
    await vi.waitFor(() => expect(probe).toHaveBeenCalledTimes(1));
    const other = vi.fn(async () => 'sent');
    await expect(two.run(other, { key: KEY })).rejects.toMatchObject({ status: 429 });
    await expect(three.run(other, { key: KEY })).rejects.toMatchObject({ status: 429 });
    expect(other).not.toHaveBeenCalled();
    expect(await two.state({ key: KEY })).toMatchObject({ status: 'half-open', probing: true });

    release('ok');
    await expect(probing).resolves.toBe('ok');
    expect(await two.state({ key: KEY })).toEqual({ status: 'closed' });
    await expect(three.run(other, { key: KEY })).resolves.toBe('sent');
    expect(events).toEqual([]);
  });

  it('a probe without an upstream answer frees the lease for the next instance; reset closes everywhere', async () => {
    let t = Date.now();
    const now = () => t;
    const one = createQuotaBreaker({ store: storeA, cooldownMs: 1000, now, logger: false });
    const events: unknown[] = [];
    const two = createQuotaBreaker({
      store: storeB,
      cooldownMs: 1000,
      now,
      logger: false,
      onStateChange: (e) => events.push(e),
    });
    await one
      .run(() => Promise.reject(upstreamError('openai.insufficient_quota')), { key: KEY })
      .catch(() => {});
    t += 1000;
    const network = new TypeError('fetch failed');
    await expect(one.run(() => Promise.reject(network), { key: KEY })).rejects.toBe(network);
    expect(await two.state({ key: KEY })).toMatchObject({ status: 'half-open', probing: false });
    // The next probe is the other instance's; a quota error again re-opens it.
    const again = upstreamError('openai.insufficient_quota');
    await expect(two.run(() => Promise.reject(again), { key: KEY })).rejects.toBe(again);
    expect((await one.state({ key: KEY })).status).toBe('open');

    await two.reset({ key: KEY });
    expect(await one.state({ key: KEY })).toEqual({ status: 'closed' });
    await expect(one.run(async () => 'ok', { key: KEY })).resolves.toBe('ok');
    // Each change is reported by the instance that made it: the first probe was the other one's.
    expect(events).toEqual([
      { provider: 'openai', status: 'open', previous: 'half-open', kind: 'quota_exhausted' },
      { provider: 'openai', status: 'closed', previous: 'open', kind: 'quota_exhausted' },
    ]);
  });

  onRedis('keeps only hash-tagged keys with the key digest, each with a TTL', async () => {
    const breaker = createQuotaBreaker({ store: storeA, logger: false });
    await breaker
      .run(() => Promise.reject(upstreamError('openai.insufficient_quota')), { key: KEY })
      .catch(() => {});
    const paced = createPacedFetch({
      store: storeA,
      requestsPerMinute: 100,
      logger: false,
      fetch: async () =>
        new Response('{}', {
          headers: { 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-reset-requests': '10s' },
        }),
    });
    await paced(URL_A, { headers: AUTH });
    await paced(URL_A, { headers: AUTH });
    await vi.waitFor(async () => {
      const keys = (await command('KEYS', `${prefix}*`)) as string[];
      // The breaker, the pace, and the instances sharing it (the reservations were released).
      expect(keys.length).toBe(3);
    });
    const keys = (await command('KEYS', `${prefix}*`)) as string[];
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^${prefix}\\{[^{}]+\\}:(breaker|pace|peers)$`));
      expect(key).not.toContain(KEY.slice(8, 20));
      expect(Number(await command('PTTL', key))).toBeGreaterThan(0);
      const dump = JSON.stringify(
        key.endsWith(':peers')
          ? await command('ZRANGE', key, '0', '-1', 'WITHSCORES')
          : await command('HGETALL', key),
      );
      expect(dump).not.toContain(KEY.slice(8, 20));
    }
    // One key's state lives in one cluster slot.
    const tag = (k: string) => k.slice(k.indexOf('{'), k.indexOf('}') + 1);
    const store = redisStore as RedisStore;
    expect(tag(store.keyOf('pace', 'x/y'))).toBe(tag(store.keyOf('inflight', 'x/y')));
    expect(tag(store.keyOf('pace', 'x/y'))).toBe(tag(store.keyOf('peers', 'x/y')));
  });

  it('an announced budget and the requests in flight are shared: the other instance does not take the last slot', async () => {
    let answer: (r: Response) => void = () => {};
    const calls: string[] = [];
    const upstream = (who: string) => async () => {
      calls.push(who);
      if (calls.length === 1) {
        return new Response('{}', {
          headers: {
            'x-ratelimit-limit-requests': '10',
            'x-ratelimit-remaining-requests': '1',
            'x-ratelimit-reset-requests': '20s',
          },
        });
      }
      return new Promise<Response>((r) => (answer = r));
    };
    const one = createPacedFetch({
      store: storeA,
      fetch: upstream('a'),
      maxWaitMs: 300,
      logger: false,
    });
    const two = createPacedFetch({
      store: storeB,
      fetch: upstream('b'),
      maxWaitMs: 300,
      logger: false,
    });
    await one(URL_A, { headers: AUTH });
    const inFlight = one(URL_A, { headers: AUTH });
    await vi.waitFor(() => expect(calls).toEqual(['a', 'a']));
    // Without the store `two` knows no budget and would send.
    const held = await two(URL_A, { headers: AUTH });
    expect(held.status).toBe(429);
    expect(held.headers.get('x-four29-paced')).toBe('over-max-wait');
    expect(calls).toEqual(['a', 'a']);
    answer(new Response('{}'));
    await inFlight;
  });

  it('counts the instances sharing a budget; when the store fails, each spends only its share of it', async () => {
    // One upstream budget of 12 requests for the key, counted at arrival as an upstream does.
    let arrived = 0;
    let rejected = 0;
    const upstream = async () => {
      arrived++;
      const remaining = Math.max(0, 12 - arrived);
      if (arrived > 12) rejected++;
      await new Promise((r) => setTimeout(r, 5));
      return new Response('{}', {
        status: arrived > 12 ? 429 : 200,
        headers: {
          'x-ratelimit-limit-requests': '12',
          'x-ratelimit-remaining-requests': String(remaining),
          'x-ratelimit-reset-requests': '60s',
        },
      });
    };
    let down = false;
    // The store as the instances see it: until `down`, the real one; then it fails every call.
    const failing = (store: ResilienceStore): ResilienceStore => {
      const out: Record<string, unknown> = {};
      for (const name of Object.keys(store) as (keyof ResilienceStore)[]) {
        const method = store[name] as (...args: unknown[]) => Promise<unknown>;
        out[name] = (...args: unknown[]) =>
          down ? Promise.reject(new Error('ECONNRESET')) : method.apply(store, args);
      }
      return out as unknown as ResilienceStore;
    };
    const acquired: unknown[] = [];
    const watched = (store: ResilienceStore): ResilienceStore => ({
      ...failing(store),
      paceAcquire: async (...args) => {
        if (down) throw new Error('ECONNRESET');
        const d = await store.paceAcquire(...args);
        acquired.push(d);
        return d;
      },
    });
    const instances = [storeA, storeB, storeA].map((store) =>
      createPacedFetch({
        store: watched(store),
        fetch: upstream,
        maxWaitMs: 50,
        // Long, so that no call before `down` times out on a loaded machine: a timed-out round-2
        // ask would leave that instance with round 1's count of peers. Calls fail at once when down.
        storeTimeoutMs: 5000,
        logger: false,
      }),
    );
    for (let round = 0; round < 2; round++) {
      for (const paced of instances)
        expect((await paced(URL_A, { headers: AUTH })).status).toBe(200);
    }
    // The second round's asks each saw all three instances.
    expect(acquired.slice(3).map((d) => (d as { peers?: number }).peers)).toEqual([3, 3, 3]);
    expect(arrived).toBe(6);

    down = true;
    // Every instance now decides alone, each from the remaining its own last answer reported.
    const burst = await Promise.all(
      instances.flatMap((paced) =>
        Array.from({ length: 12 }, () => paced(URL_A, { headers: AUTH })),
      ),
    );
    // Each instance sent its third (8, 7 and 6 left: 2 each): the budget, and no upstream 429.
    // Deciding as if it owned the budget, each would have sent 6 to 8, 15 of them into a 429.
    expect(arrived).toBe(12);
    expect(rejected).toBe(0);
    const local = burst.filter((r) => r.headers.get('x-four29-paced') === 'over-max-wait');
    expect(local).toHaveLength(36 - 6);
  });

  it("a 429's Retry-After on one instance holds the others", async () => {
    const calls: string[] = [];
    const make = (store: ResilienceStore, who: string) =>
      createPacedFetch({
        store,
        maxWaitMs: 100,
        logger: false,
        fetch: async () => {
          calls.push(who);
          return new Response('{}', { status: 429, headers: { 'retry-after': '30' } });
        },
      });
    expect((await make(storeA, 'a')(URL_A, { headers: AUTH })).status).toBe(429);
    // The release is not awaited by the caller: wait until Redis has it.
    await vi.waitFor(async () => {
      if (redisStore === undefined) return;
      const [key] = (await command('KEYS', `${prefix}*:pace`)) as string[];
      expect(await command('HGET', key ?? '', 'x')).not.toBeNull();
    });
    const held = await make(storeB, 'b')(URL_A, { headers: AUTH });
    expect(held.headers.get('x-four29-paced')).toBe('over-max-wait');
    expect(calls).toEqual(['a']);
  });

  it('configured budgets are shared', async () => {
    const calls: string[] = [];
    const make = (store: ResilienceStore, who: string) =>
      createPacedFetch({
        store,
        requestsPerMinute: 3,
        maxWaitMs: 100,
        logger: false,
        fetch: async () => {
          calls.push(who);
          return new Response('{}');
        },
      });
    const one = make(storeA, 'a');
    const two = make(storeB, 'b');
    const statuses = [];
    for (const f of [one, two, one, two, one, two]) {
      statuses.push((await f(URL_A, { headers: AUTH })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect(calls).toEqual(['a', 'b', 'a']);
  });

  describe('answers that arrive in another order than the upstream counted them', () => {
    const id = 'openai.example.test/ooo';
    const t0 = Date.now();
    const reset = t0 + 20_000;
    const ask = (store: ResilienceStore, reservation: string, at: number) =>
      store.paceAcquire(id, at, { tokens: 0, leaseMs: 10_000, reservation });
    const report = (seq: number, remaining: number, resetAt: number) => ({
      seq,
      budgets: [{ name: 'requests', remaining, limit: 10, resetAt, countsRequests: true }],
    });
    const seqOf = (d: PaceDecision) => (d.go ? d.seq : -1);

    it('within one window, an answer sent later but counted earlier does not raise the budget', async () => {
      const first = seqOf(await ask(storeA, 'r1', t0));
      const second = seqOf(await ask(storeB, 'r2', t0 + 1));
      expect(second).toBeGreaterThan(first);
      // The upstream counted the second request first (2 left), then the first (1 left); the
      // first's answer arrives first. Its reset is a few ms off the other's (header rounding).
      await storeA.paceRelease(id, t0 + 5, 'r1', report(first, 1, reset));
      await storeB.paceRelease(id, t0 + 6, 'r2', report(second, 2, reset + 3));
      // One slot left: one request goes, the next waits for the later of the two resets.
      expect((await ask(storeA, 'r3', t0 + 7)).go).toBe(true);
      expect(await ask(storeB, 'r4', t0 + 8)).toMatchObject({ go: false, waitMs: 20_000 + 3 - 8 });
    });

    it("a later window's answer replaces the budget; a late answer from the window before is dropped", async () => {
      const first = seqOf(await ask(storeA, 'r1', t0));
      const second = seqOf(await ask(storeB, 'r2', t0 + 1));
      const third = seqOf(await ask(storeA, 'r3', t0 + 2));
      await storeA.paceRelease(id, t0 + 5, 'r1', report(first, 0, reset));
      // Counted after the window turned: a fresh window with 9 left.
      await storeB.paceRelease(id, t0 + 6, 'r2', report(second, 9, reset + 2000));
      // Counted in the old window, arriving last with the highest seq: it must not bring 0 back.
      await storeA.paceRelease(id, t0 + 7, 'r3', report(third, 0, reset));
      expect((await ask(storeB, 'r4', t0 + 8)).go).toBe(true);
    });

    onRedis(
      'a stored budget whose remaining is not a number is replaced, not a script error',
      async () => {
        const key = (redisStore as RedisStore).keyOf('pace', id);
        await command('HSET', key, 'a:requests', `oops|10|${reset}|1|1`);
        const first = seqOf(await ask(storeA, 'r1', t0));
        await storeA.paceRelease(id, t0 + 5, 'r1', report(first, 1, reset));
        expect(await command('HGET', key, 'a:requests')).toMatch(/^1\|10\|/);
        expect((await ask(storeB, 'r2', t0 + 6)).go).toBe(true);
        expect(await ask(storeA, 'r3', t0 + 7)).toMatchObject({ go: false });
      },
    );
  });

  onRedis('runs its scripts again after SCRIPT FLUSH (NOSCRIPT falls back to EVAL)', async () => {
    const breaker = createQuotaBreaker({ store: storeA, logger: false });
    await breaker.run(async () => 1, { key: KEY });
    await command('SCRIPT', 'FLUSH');
    const quota = upstreamError('openai.insufficient_quota');
    await breaker.run(() => Promise.reject(quota), { key: KEY }).catch(() => {});
    await command('SCRIPT', 'FLUSH');
    await expect(
      createQuotaBreaker({ store: storeB, logger: false }).run(async () => 1, { key: KEY }),
    ).rejects.toMatchObject({ status: 429 });
  });
});

describe('createRedisStore options', () => {
  it('needs a client or a sendCommand function', () => {
    expect(() => createRedisStore({})).toThrow(TypeError);
    expect(() => createRedisStore({ client: {} as never })).toThrow(/sendCommand/);
  });

  it('escapes braces in ids so the hash tag stays the id', () => {
    const store = createRedisStore({ sendCommand: async () => null, prefix: 'p:' });
    expect(store.keyOf('breaker', 'a{b}c')).toBe('p:{a%7Bb%7Dc}:breaker');
  });
});
