import {
  type Classification,
  createUpstreamErrorHandler,
  isRetryableClassification,
  retryAfterSeconds,
  toProblem,
  UPSTREAM_ERROR_KINDS,
} from '@four29/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RetryEvent, withRetry } from '../src/retry.js';
import { upstreamError } from './upstream-errors.js';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-01T12:00:00.000Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

/** An fn that fails with the given errors in turn, then succeeds. */
function failing(...errors: unknown[]) {
  const calls: number[] = [];
  const fn = vi.fn(async ({ attempt }: { attempt: number }) => {
    calls.push(Date.now());
    const error = errors[attempt - 1];
    if (error !== undefined) throw error;
    return `ok after ${attempt}`;
  });
  return { fn, calls };
}

describe('withRetry: what is retried', () => {
  it('waits exactly what the upstream asked for, then retries', async () => {
    const { fn } = failing(upstreamError('openai.rate_limit.tokens'));
    const result = withRetry(fn);
    await vi.advanceTimersByTimeAsync(1145);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('ok after 2');
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it.each([
    'openai.insufficient_quota',
    'openai.billing.project_spend_limit',
    'anthropic.credit_balance_too_low',
    'google.quota.limit_zero',
    'azure.zero_quota',
    'openai.request_too_large',
    'anthropic.prompt_too_long',
    'openai.auth.invalid_api_key',
    'bedrock.access_denied',
  ])('never retries %s: one call, the same error object', async (id) => {
    const error = upstreamError(id);
    const { fn } = failing(error);
    const onRetry = vi.fn();
    await expect(withRetry(fn, { onRetry, maxAttempts: 10 })).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(onRetry).not.toHaveBeenCalled();
  });

  it.each([
    ['a string', 'boom'],
    ['null', null],
    ['undefined-like object', {}],
    ['a plain Error', new Error('bug in our code')],
    ['a number', 42],
    [
      'a Proxy that throws on every access',
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('trap');
          },
          has: () => {
            throw new Error('trap');
          },
        },
      ),
    ],
  ])('rethrows %s at once: not an upstream error', async (_label, thrown) => {
    const fn = vi.fn(() => {
      throw thrown;
    });
    await expect(withRetry(fn)).rejects.toBe(thrown);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('rethrows undefined thrown synchronously', async () => {
    const fn = vi.fn(() => {
      throw undefined;
    });
    await expect(withRetry(fn)).rejects.toBeUndefined();
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('retries overloads, timeouts and transient upstream errors with backoff', async () => {
    const { fn } = failing(
      upstreamError('anthropic.overloaded'),
      upstreamError('generic.gateway_timeout'),
      upstreamError('openai.server_error'),
    );
    const result = withRetry(fn, { maxAttempts: 4, random: () => 1 });
    await vi.advanceTimersByTimeAsync(500 + 1000 + 2000);
    await expect(result).resolves.toBe('ok after 4');
  });

  it('gives up after maxAttempts with the last error', async () => {
    const last = upstreamError('openai.rate_limit.retry_after_ms');
    const { fn } = failing(upstreamError('openai.rate_limit.retry_after_ms'), last);
    const result = withRetry(fn, { maxAttempts: 2 });
    const settled = expect(result).rejects.toBe(last);
    await vi.advanceTimersByTimeAsync(1500);
    await settled;
    expect(fn).toHaveBeenCalledTimes(2);
  });
});

describe('withRetry: timing', () => {
  it('backs off exponentially with full jitter, capped', async () => {
    const err = () => upstreamError('openai.server_error');
    const { fn } = failing(err(), err(), err(), err(), err());
    const events: RetryEvent[] = [];
    const result = withRetry(fn, {
      maxAttempts: 6,
      baseDelayMs: 100,
      factor: 3,
      capDelayMs: 1000,
      random: () => 0.5,
      onRetry: (e) => events.push(e),
    });
    await vi.advanceTimersByTimeAsync(10_000);
    await result;
    // 100, 300, 900, then the 1000 cap; each halved by the jitter.
    expect(events.map((e) => e.delayMs)).toEqual([50, 150, 450, 500, 500]);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(events[0]?.classification.kind).toBe('upstream_error');
  });

  it('a broken random gets the full step rather than NaN', async () => {
    const { fn } = failing(upstreamError('openai.server_error'));
    const events: RetryEvent[] = [];
    const result = withRetry(fn, { random: () => Number.NaN, onRetry: (e) => events.push(e) });
    await vi.advanceTimersByTimeAsync(500);
    await result;
    expect(events[0]?.delayMs).toBe(500);
  });

  it('rethrows at once when the upstream asks for longer than maxDelayMs', async () => {
    const error = upstreamError('github.primary_rate_limit');
    const { fn } = failing(error);
    await expect(withRetry(fn)).rejects.toBe(error);
    const { fn: fn2 } = failing(upstreamError('openai.rate_limit.requests'));
    await expect(withRetry(fn2, { maxDelayMs: 19_999 })).rejects.toMatchObject({ status: 429 });
    expect(fn2).toHaveBeenCalledTimes(1);
  });

  it('never sleeps past deadlineMs', async () => {
    const error = upstreamError('openai.rate_limit.requests');
    const { fn } = failing(error);
    await expect(withRetry(fn, { deadlineMs: 19_999 })).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);

    // The deadline counts from the first call, time spent in fn included.
    const slow = vi.fn(async () => {
      await new Promise((r) => setTimeout(r, 5000));
      throw upstreamError('openai.rate_limit.retry_after_ms');
    });
    const result = withRetry(slow, { deadlineMs: 6000 });
    const settled = expect(result).rejects.toMatchObject({ status: 429 });
    await vi.advanceTimersByTimeAsync(5000);
    await settled;
    expect(slow).toHaveBeenCalledTimes(1);
  });

  it('uses the injected sleep', async () => {
    const sleep = vi.fn(async () => {});
    const { fn } = failing(upstreamError('github.secondary_rate_limit'));
    await expect(withRetry(fn, { sleep })).resolves.toBe('ok after 2');
    expect(sleep).toHaveBeenCalledWith(60_000, undefined);
  });

  it('a sleep that fails rethrows the upstream error', async () => {
    const error = upstreamError('openai.rate_limit.retry_after_ms');
    const { fn } = failing(error);
    await expect(
      withRetry(fn, { sleep: () => Promise.reject(new Error('no timers')) }),
    ).rejects.toBe(error);
  });
});

describe('withRetry: abort', () => {
  it('an aborted signal rejects before the first call', async () => {
    const controller = new AbortController();
    const reason = new Error('gone');
    controller.abort(reason);
    const fn = vi.fn();
    await expect(withRetry(fn, { signal: controller.signal })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it("abort during a wait rejects at once with the signal's reason", async () => {
    const controller = new AbortController();
    const { fn } = failing(upstreamError('openai.rate_limit.requests'));
    const result = withRetry(fn, { signal: controller.signal });
    const settled = expect(result).rejects.toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort();
    await settled;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('abort during a custom sleep that ignores the signal is still prompt', async () => {
    const controller = new AbortController();
    const { fn } = failing(upstreamError('openai.rate_limit.requests'));
    const result = withRetry(fn, { signal: controller.signal, sleep: () => new Promise(() => {}) });
    const settled = expect(result).rejects.toBe('stop');
    await vi.advanceTimersByTimeAsync(0);
    controller.abort('stop');
    await settled;
  });

  it('passes the signal to fn, and does not retry after an abort during the call', async () => {
    const controller = new AbortController();
    const fn = vi.fn(async ({ signal }: { signal: AbortSignal | undefined }) => {
      expect(signal).toBe(controller.signal);
      controller.abort();
      throw upstreamError('openai.rate_limit.retry_after_ms');
    });
    await expect(withRetry(fn, { signal: controller.signal })).rejects.toMatchObject({
      status: 429,
    });
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('withRetry: hooks and options', () => {
  it('a throwing or rejecting onRetry does not stop retrying', async () => {
    const { fn } = failing(
      upstreamError('openai.rate_limit.retry_after_ms'),
      upstreamError('openai.rate_limit.retry_after_ms'),
    );
    let n = 0;
    const result = withRetry(fn, {
      onRetry: () => {
        n++;
        if (n === 1) throw new Error('metrics down');
        return Promise.reject(new Error('async metrics down'));
      },
    });
    await vi.advanceTimersByTimeAsync(3000);
    await expect(result).resolves.toBe('ok after 3');
    expect(n).toBe(2);
  });

  it('nonsense options fall back to defaults', async () => {
    const { fn } = failing(
      upstreamError('openai.server_error'),
      upstreamError('openai.server_error'),
      upstreamError('openai.server_error'),
    );
    const warn = vi.fn();
    const result = withRetry(fn, {
      logger: { warn },
      maxAttempts: Number.NaN,
      baseDelayMs: -5,
      factor: Number.POSITIVE_INFINITY,
      maxDelayMs: -1,
      deadlineMs: Number.NaN,
      random: () => 1,
      now: () => {
        throw new Error('clock');
      },
    });
    const settled = expect(result).rejects.toMatchObject({ status: 500 });
    await vi.advanceTimersByTimeAsync(500 + 1000);
    await settled;
    expect(fn).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatchObject({ event: 'four29.invalid_options' });
    expect(warn.mock.calls[0]?.[0].problems).toHaveLength(5);
  });

  it('rejects a non-function fn without throwing synchronously', async () => {
    let result: Promise<void> | undefined;
    expect(() => {
      result = withRetry(undefined as unknown as () => Promise<void>);
    }).not.toThrow();
    await expect(result).rejects.toBeInstanceOf(TypeError);
  });

  it("four29's handler classifies the error withRetry gives up with like the original", async () => {
    const { fn } = failing(upstreamError('openai.insufficient_quota'));
    const handle = createUpstreamErrorHandler({ logger: false });
    const error = await withRetry(fn).catch((e: unknown) => e);
    expect(handle(error)?.classification.kind).toBe('quota_exhausted');
  });
});

describe('isRetryableClassification: one answer for withRetry, Retry-After and the classifier', () => {
  const handBuilt = (kind: string, retryable: boolean): Classification =>
    ({
      kind,
      provider: 'openai',
      retryable,
      retryAfterMs: 5000,
      remediation: { causes: [], steps: [] },
    }) as Classification;

  it('never retries quota, credential or too-large errors, even when a classification claims so', () => {
    for (const kind of ['quota_exhausted', 'upstream_auth', 'request_too_large']) {
      const c = handBuilt(kind, true);
      expect(isRetryableClassification(c), kind).toBe(false);
      expect(retryAfterSeconds(c), kind).toBeUndefined();
      expect(toProblem(c).headers['retry-after'], kind).toBeUndefined();
    }
  });

  it('retries what says retryable otherwise; an unknown kind counts as upstream_error', () => {
    for (const kind of ['rate_limited', 'overloaded', 'upstream_timeout', 'upstream_error', 'x']) {
      expect(isRetryableClassification(handBuilt(kind, true)), kind).toBe(true);
      expect(isRetryableClassification(handBuilt(kind, false)), kind).toBe(false);
    }
    expect(isRetryableClassification(null)).toBe(false);
    expect(isRetryableClassification('rate_limited' as unknown as Classification)).toBe(false);
  });

  it('Retry-After is sent exactly when withRetry would retry', () => {
    for (const kind of [...UPSTREAM_ERROR_KINDS, 'x']) {
      for (const retryable of [true, false]) {
        const c = handBuilt(kind, retryable);
        expect(retryAfterSeconds(c) !== undefined, `${kind} ${retryable}`).toBe(
          isRetryableClassification(c),
        );
      }
    }
  });

  it('classify never marks those kinds retryable', () => {
    for (const id of [
      'openai.insufficient_quota',
      'openai.request_too_large',
      'openai.auth.invalid_api_key',
    ]) {
      const c = createUpstreamErrorHandler({ logger: false })(upstreamError(id))?.classification;
      expect(c?.retryable, id).toBe(false);
    }
  });
});
