/**
 * Redis failing under the helpers: stopped, frozen (SIGSTOP: connected, never answering) and
 * restarted empty, with both real clients. Every request must still be answered, with one
 * warning per outage and no unhandled rejection, and the store must be used again once back.
 */
import { createPacedFetch, createQuotaBreaker } from '@four29/resilience';
import { upstreamHttpError as upstreamError } from '@four29/test-kit';
import { type RedisServer, startRedisServer } from '@four29/test-kit/redis-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { CLIENTS, type TestClient } from './clients.js';

const KEY = 'sk-proj-faults-aaaaaaaaaaaaaaaaaaaaaaaa';
const URL_A = 'https://api.openai.example.test/v1/chat/completions';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

type Logger = ReturnType<typeof warnings>['logger'];

function warnings() {
  const records: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  return {
    records,
    logger: {
      warn: (obj: Record<string, unknown>, msg?: string) => void records.push({ obj, msg }),
    },
  };
}

async function command(c: TestClient, ...args: string[]): Promise<unknown> {
  const client = c.client as { call?: (...x: string[]) => Promise<unknown> };
  if (typeof client.call === 'function') return client.call(...args);
  return (c.client as { sendCommand(x: string[]): Promise<unknown> }).sendCommand(args);
}

/** Retries `check` until it passes: the helpers skip the store for a second after a failure. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

describe.each(CLIENTS)('faults with $name', (kind) => {
  let server: RedisServer;
  let a: TestClient;
  let b: TestClient;
  beforeEach(async () => {
    server = await startRedisServer();
    a = await kind.connect(server.port);
    b = await kind.connect(server.port);
  });
  afterEach(async () => {
    server.resume();
    await a.close();
    await b.close();
    await server.stop();
    expect(unhandled).toEqual([]);
  });

  /** Two instances, each with its store and its logger: each warns once per outage. */
  function helpers(logA: Logger, logB: Logger = logA) {
    const storeA = createRedisStore({ client: a.client });
    const storeB = createRedisStore({ client: b.client });
    const sent: string[] = [];
    const fetch = async () => {
      sent.push('x');
      return new Response('{}', {
        headers: { 'x-ratelimit-remaining-requests': '100', 'x-ratelimit-reset-requests': '1s' },
      });
    };
    return {
      sent,
      breakerA: createQuotaBreaker({ store: storeA, logger: logA, storeTimeoutMs: 30 }),
      breakerB: createQuotaBreaker({ store: storeB, logger: logB, storeTimeoutMs: 30 }),
      pacedA: createPacedFetch({ store: storeA, fetch, logger: logA, storeTimeoutMs: 30 }),
    };
  }

  async function shared(h: ReturnType<typeof helpers>, key: string): Promise<boolean> {
    await h.breakerA
      .run(() => Promise.reject(upstreamError('openai.insufficient_quota')), { key })
      .catch(() => {});
    return (await h.breakerB.state({ key })).status === 'open';
  }

  it('Redis stopped: every request is answered from in-process state, one warning; back when Redis is', async () => {
    const log = warnings();
    const logB = warnings();
    const h = helpers(log.logger, logB.logger);
    expect(await shared(h, 'k-before')).toBe(true);

    await server.stop();
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await h.pacedA(URL_A, { headers: { authorization: `Bearer ${KEY}` } });
        const value = await h.breakerB.run(async () => i, { key: KEY });
        return [res.status, value];
      }),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => [200, i]));
    expect(h.sent).toHaveLength(20);
    // In-process state still trips the breaker of the instance that saw the quota error.
    const quota = upstreamError('openai.insufficient_quota');
    await h.breakerA.run(() => Promise.reject(quota), { key: 'k-down' }).catch(() => {});
    await expect(h.breakerA.run(async () => 1, { key: 'k-down' })).rejects.toBe(quota);
    // One warning per instance (the breaker and the paced fetch of A share A's store), not per request.
    expect(log.records).toHaveLength(1);
    expect(logB.records).toHaveLength(1);
    expect(log.records[0]?.obj).toMatchObject({ four29: 'store_unavailable' });
    expect(JSON.stringify(log.records)).not.toContain(KEY.slice(8));

    await server.start();
    await eventually(() => shared(h, `k-after-${Math.random()}`), 'shared state again');
  });

  it('Redis frozen (connected, never answering): requests wait out the store timeout only', async () => {
    const log = warnings();
    const logB = warnings();
    const h = helpers(log.logger, logB.logger);
    expect(await shared(h, 'k-before')).toBe(true);
    server.pause();
    for (let i = 0; i < 5; i++) {
      await expect(h.breakerB.run(async () => 'ok', { key: KEY })).resolves.toBe('ok');
      const res = await h.pacedA(URL_A, { headers: { authorization: `Bearer ${KEY}` } });
      expect(res.status).toBe(200);
    }
    expect(log.records).toHaveLength(1);
    expect(logB.records).toHaveLength(1);
    expect(log.records[0]?.obj).toMatchObject({ reason: 'no answer within 30 ms' });
    server.resume();
    await eventually(() => shared(h, `k-after-${Math.random()}`), 'shared state again');
    // The scripts queued while frozen ran on resume; their reservations were undone after them.
    await eventually(async () => {
      const keys = (await command(a, 'KEYS', '*:inflight')) as string[];
      let held = 0;
      for (const key of keys) held += Number(await command(a, 'ZCARD', key));
      return held === 0;
    }, 'no reservation left behind by the late answers');
  });

  it('Redis restarted empty: the lost trip means closed, the next call goes upstream and trips it again', async () => {
    const log = warnings();
    const h = helpers(log.logger);
    expect(await shared(h, KEY)).toBe(true);
    await server.stop();
    await server.start();
    // The clients reconnect on their own.
    await eventually(async () => {
      const ok = await h.breakerB.run(async () => 'sent', { key: KEY }).catch(() => 'failed');
      return ok === 'sent';
    }, 'a call upstream after the restart');
    await eventually(() => shared(h, KEY), 'the breaker shared again');
  });
});
