import { createUpstreamErrorHandler } from '@four29/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createQuotaBreaker } from '../src/breaker.js';
import { upstreamError } from './upstream-errors.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-11-01T12:00:00.000Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
const OTHER_KEY = 'sk-proj-zyxwvutsrqponmlkjihgfedcba9876543210';

function upstream(error: unknown) {
  return vi.fn(async () => {
    throw error;
  });
}

describe('createQuotaBreaker', () => {
  it('after a quota error, fails fast with the very same error, classified identically', async () => {
    const breaker = createQuotaBreaker();
    const quota = upstreamError('openai.insufficient_quota');
    const fn = upstream(quota);
    const first = await breaker.run(fn, { key: KEY }).catch((e: unknown) => e);
    const second = await breaker.run(fn, { key: KEY }).catch((e: unknown) => e);
    expect(first).toBe(quota);
    expect(second).toBe(quota);
    expect(fn).toHaveBeenCalledTimes(1);
    const handle = createUpstreamErrorHandler({ logger: false });
    expect(handle(second)?.classification).toEqual(handle(first)?.classification);
    expect(handle(second)?.classification.kind).toBe('quota_exhausted');
    expect(await breaker.state({ key: KEY })).toMatchObject({ status: 'open', rejected: 1 });
  });

  it('cuts upstream calls to one probe per cool-down', async () => {
    const breaker = createQuotaBreaker({ cooldownMs: 10_000 });
    const fn = upstream(upstreamError('anthropic.credit_balance_too_low'));
    // One call a second for 35 s: the first trips it, then one probe at 10 s, 20 s and 30 s.
    for (let s = 0; s < 35; s++) {
      await breaker.run(fn, { key: KEY, provider: 'anthropic' }).catch(() => {});
      vi.advanceTimersByTime(1000);
    }
    expect(fn).toHaveBeenCalledTimes(4);
  });

  it('half-open lets exactly one probe through; concurrent calls fail fast; success closes', async () => {
    const breaker = createQuotaBreaker({ cooldownMs: 1000 });
    const quota = upstreamError('openai.insufficient_quota');
    await breaker.run(upstream(quota), { key: KEY }).catch(() => {});
    vi.advanceTimersByTime(1000);
    expect((await breaker.state({ key: KEY })).status).toBe('half-open');

    let release: (v: string) => void = () => {};
    const probe = vi.fn(
      () =>
        new Promise<string>((r) => {
          release = r;
        }),
    );
    const probing = breaker.run(probe, { key: KEY });
    // The key digest is asynchronous: let this call become the probe before the others start.
    await vi.waitFor(() => expect(probe).toHaveBeenCalledTimes(1));
    const others = await Promise.allSettled(
      Array.from({ length: 5 }, () => breaker.run(probe, { key: KEY })),
    );
    expect(probe).toHaveBeenCalledTimes(1);
    expect(others.every((o) => o.status === 'rejected' && o.reason === quota)).toBe(true);
    expect(await breaker.state({ key: KEY })).toMatchObject({ status: 'half-open', probing: true });

    release('ok');
    await expect(probing).resolves.toBe('ok');
    expect(await breaker.state({ key: KEY })).toEqual({ status: 'closed' });
    await expect(breaker.run(async () => 'next', { key: KEY })).resolves.toBe('next');
  });

  it('a probe that hits the quota again re-opens for a fresh cool-down', async () => {
    const breaker = createQuotaBreaker({ cooldownMs: 1000 });
    const first = upstreamError('openai.insufficient_quota');
    const again = upstreamError('openai.insufficient_quota');
    await breaker.run(upstream(first), { key: KEY }).catch(() => {});
    vi.advanceTimersByTime(1000);
    await expect(breaker.run(upstream(again), { key: KEY })).rejects.toBe(again);
    const state = await breaker.state({ key: KEY });
    expect(state).toMatchObject({ status: 'open', openUntil: Date.now() + 1000 });
    await expect(breaker.run(async () => 'x', { key: KEY })).rejects.toBe(again);
  });

  it('a probe answered with another upstream error closes; one without an answer stays half-open', async () => {
    const breaker = createQuotaBreaker({ cooldownMs: 1000 });
    await breaker
      .run(upstream(upstreamError('openai.insufficient_quota')), { key: KEY })
      .catch(() => {});
    vi.advanceTimersByTime(1000);

    const network = new TypeError('fetch failed');
    await expect(breaker.run(upstream(network), { key: KEY })).rejects.toBe(network);
    expect(await breaker.state({ key: KEY })).toMatchObject({
      status: 'half-open',
      probing: false,
    });

    await expect(breaker.run(upstream('not even an Error'), { key: KEY })).rejects.toBe(
      'not even an Error',
    );
    expect((await breaker.state({ key: KEY })).status).toBe('half-open');

    const limited = upstreamError('openai.rate_limit.tokens');
    await expect(breaker.run(upstream(limited), { key: KEY })).rejects.toBe(limited);
    expect(await breaker.state({ key: KEY })).toEqual({ status: 'closed' });
  });

  it('a probe that never settles holds the probe slot for cooldownMs only, then the next call probes', async () => {
    const breaker = createQuotaBreaker({ cooldownMs: 1000 });
    const quota = upstreamError('openai.insufficient_quota');
    await breaker.run(upstream(quota), { key: KEY }).catch(() => {});
    vi.advanceTimersByTime(1000);

    // A stuck socket without a timeout: this probe never resolves nor rejects.
    let startedAt = 0;
    const hung = vi.fn(() => {
      startedAt = Date.now();
      return new Promise<never>(() => {});
    });
    void breaker.run(hung, { key: KEY });
    // (waitFor also advances the fake clock: the probe's start time is read inside it.)
    await vi.waitFor(() => expect(hung).toHaveBeenCalledTimes(1));

    const fn = vi.fn(async () => 'ok');
    vi.setSystemTime(startedAt + 999);
    await expect(breaker.run(fn, { key: KEY })).rejects.toBe(quota);
    expect(fn).not.toHaveBeenCalled();
    expect(await breaker.state({ key: KEY })).toMatchObject({ status: 'half-open', probing: true });

    // The lease ran out: the next call is the new probe, and its success closes the breaker.
    vi.setSystemTime(startedAt + 1000);
    expect(await breaker.state({ key: KEY })).toMatchObject({
      status: 'half-open',
      probing: false,
    });
    await expect(breaker.run(fn, { key: KEY })).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(await breaker.state({ key: KEY })).toEqual({ status: 'closed' });
  });

  it('a probe whose lease ran out cannot free the slot of the newer probe when it finally fails', async () => {
    const breaker = createQuotaBreaker({ cooldownMs: 1000 });
    const quota = upstreamError('openai.insufficient_quota');
    await breaker.run(upstream(quota), { key: KEY }).catch(() => {});
    vi.advanceTimersByTime(1000);

    let failStale: (e: unknown) => void = () => {};
    let startedAt = 0;
    const stale = vi.fn(
      () =>
        new Promise<never>((_, reject) => {
          startedAt = Date.now();
          failStale = reject;
        }),
    );
    const staleRun = breaker.run(stale, { key: KEY }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(stale).toHaveBeenCalledTimes(1));
    vi.setSystemTime(startedAt + 1000);

    const fresh = vi.fn(() => new Promise<never>(() => {}));
    void breaker.run(fresh, { key: KEY });
    await vi.waitFor(() => expect(fresh).toHaveBeenCalledTimes(1));

    // The old probe gets no upstream answer: the newer probe still holds the slot.
    failStale(new TypeError('fetch failed'));
    await staleRun;
    const fn = vi.fn(async () => 'ok');
    await expect(breaker.run(fn, { key: KEY })).rejects.toBe(quota);
    expect(fn).not.toHaveBeenCalled();
    expect(await breaker.state({ key: KEY })).toMatchObject({ probing: true });
  });

  it('upstream_auth trips it; rate limits and other errors do not', async () => {
    const breaker = createQuotaBreaker();
    for (const id of [
      'openai.rate_limit.tokens',
      'openai.server_error',
      'openai.request_too_large',
    ]) {
      await breaker.run(upstream(upstreamError(id)), { key: KEY }).catch(() => {});
      expect((await breaker.state({ key: KEY })).status).toBe('closed');
    }
    await breaker
      .run(upstream(upstreamError('openai.auth.invalid_api_key')), { key: KEY })
      .catch(() => {});
    expect((await breaker.state({ key: KEY })).status).toBe('open');
  });

  it('keeps one breaker per provider and key, and never the key itself', async () => {
    const breaker = createQuotaBreaker();
    await breaker
      .run(upstream(upstreamError('openai.insufficient_quota')), { key: KEY, provider: 'openai' })
      .catch(() => {});
    const ok = async () => 'ok';
    await expect(breaker.run(ok, { key: OTHER_KEY, provider: 'openai' })).resolves.toBe('ok');
    await expect(breaker.run(ok, { key: KEY, provider: 'anthropic' })).resolves.toBe('ok');
    await expect(breaker.run(ok)).resolves.toBe('ok');
    await expect(breaker.run(ok, { key: KEY, provider: 'openai' })).rejects.toMatchObject({
      status: 429,
    });

    const state = await breaker.state({ key: KEY, provider: 'openai' });
    expect(JSON.stringify(state)).not.toContain(KEY.slice(3, 20));
    await breaker.reset({ key: KEY, provider: 'openai' });
    await expect(breaker.run(ok, { key: KEY, provider: 'openai' })).resolves.toBe('ok');
  });

  it('bounds memory: beyond maxEntries the least recently tripped key is forgotten', async () => {
    const breaker = createQuotaBreaker({ maxEntries: 2 });
    const keys = ['key-one-000000', 'key-two-000000', 'key-three-0000'] as const;
    for (const key of keys) {
      await breaker
        .run(upstream(upstreamError('openai.insufficient_quota')), { key })
        .catch(() => {});
    }
    expect((await breaker.state({ key: keys[0] })).status).toBe('closed');
    expect((await breaker.state({ key: keys[1] })).status).toBe('open');
    expect((await breaker.state({ key: keys[2] })).status).toBe('open');
  });

  it('passes results and non-tripping errors of any shape through untouched', async () => {
    const breaker = createQuotaBreaker();
    await expect(breaker.run(() => 7)).resolves.toBe(7);
    for (const thrown of [null, undefined, 0, 'x', { status: 'weird' }]) {
      await expect(
        breaker.run(() => {
          throw thrown;
        }),
      ).rejects.toBe(thrown);
    }
    expect((await breaker.state()).status).toBe('closed');
    await expect(breaker.run(undefined as unknown as () => number)).rejects.toBeInstanceOf(
      TypeError,
    );
  });

  it('reports each state change once, without key or digest; a throwing hook changes nothing', async () => {
    const events: unknown[] = [];
    const breaker = createQuotaBreaker({
      cooldownMs: 1000,
      maxEntries: 1,
      onStateChange: (event) => {
        events.push(event);
        throw new Error('broken hook');
      },
    });
    const quota = upstreamError('openai.insufficient_quota');
    await expect(breaker.run(upstream(quota), { key: KEY })).rejects.toBe(quota);
    // Failing fast while open is no change.
    await expect(breaker.run(upstream(quota), { key: KEY })).rejects.toBe(quota);
    vi.advanceTimersByTime(1000);
    // A probe without an upstream answer stays half-open; the next probe is no new change.
    await breaker.run(upstream(new TypeError('fetch failed')), { key: KEY }).catch(() => {});
    await expect(breaker.run(upstream(quota), { key: KEY })).rejects.toBe(quota);
    vi.advanceTimersByTime(1000);
    await expect(breaker.run(async () => 'ok', { key: KEY })).resolves.toBe('ok');
    const auth = upstreamError('anthropic.auth');
    await breaker.run(upstream(auth), { key: KEY, provider: 'anthropic' }).catch(() => {});
    // maxEntries 1: tripping another key forgets (closes) the first.
    await breaker.run(upstream(quota), { key: OTHER_KEY }).catch(() => {});
    await breaker.reset({ key: OTHER_KEY });
    await breaker.reset({ key: OTHER_KEY });
    expect(events).toEqual([
      { provider: 'openai', status: 'open', previous: 'closed', kind: 'quota_exhausted' },
      { provider: 'openai', status: 'half-open', previous: 'open', kind: 'quota_exhausted' },
      { provider: 'openai', status: 'open', previous: 'half-open', kind: 'quota_exhausted' },
      { provider: 'openai', status: 'half-open', previous: 'open', kind: 'quota_exhausted' },
      { provider: 'openai', status: 'closed', previous: 'half-open', kind: 'quota_exhausted' },
      { provider: 'anthropic', status: 'open', previous: 'closed', kind: 'upstream_auth' },
      { provider: 'openai', status: 'open', previous: 'closed', kind: 'quota_exhausted' },
      { provider: 'anthropic', status: 'closed', previous: 'open', kind: 'upstream_auth' },
      { provider: 'openai', status: 'closed', previous: 'open', kind: 'quota_exhausted' },
    ]);
    expect(JSON.stringify(events)).not.toContain(KEY.slice(8));
  });

  it('nonsense options fall back to defaults', async () => {
    const breaker = createQuotaBreaker({
      cooldownMs: Number.NaN,
      maxEntries: -3,
      kinds: 'x' as never,
    });
    await breaker.run(upstream(upstreamError('openai.insufficient_quota'))).catch(() => {});
    vi.advanceTimersByTime(59_999);
    expect((await breaker.state()).status).toBe('open');
    vi.advanceTimersByTime(1);
    expect((await breaker.state()).status).toBe('half-open');
  });
});
