/**
 * Under `exactOptionalPropertyTypes` (on in this repo, and in many consumers' tsconfigs) an optional
 * property only accepts `undefined` when its type says `| undefined`. Options are usually built from
 * values that may be undefined (`{ provider: config.provider }`), so every public option type says
 * so. This file is type-checked by `tsc` (pnpm typecheck): it fails to compile when one of them
 * loses its `| undefined`. At run time it checks that an explicit `undefined` means "absent".
 */
import { describe, expect, it } from 'vitest';
import {
  createQuotaBreaker,
  type QuotaBreakerOptions,
  type QuotaBreakerScope,
} from '../src/breaker.js';
import type { PacedFetchOptions } from '../src/paced-fetch.js';
import { createPacedFetch } from '../src/paced-fetch.js';
import { type RetryOptions, withRetry } from '../src/retry.js';
import { upstreamError } from './upstream-errors.js';

/** A value whose type includes undefined, as from an optional config field. */
function maybe<T>(value: T | undefined): T | undefined {
  return value;
}

const nothing = undefined;

const retryOptions: RetryOptions = {
  maxAttempts: maybe<number>(nothing),
  baseDelayMs: maybe<number>(nothing),
  factor: maybe<number>(nothing),
  capDelayMs: maybe<number>(nothing),
  maxDelayMs: maybe<number>(nothing),
  deadlineMs: maybe<number>(nothing),
  signal: maybe<AbortSignal>(nothing),
  provider: maybe<string>(nothing),
  onRetry: maybe<RetryOptions['onRetry']>(nothing),
  random: maybe<() => number>(nothing),
  sleep: maybe<RetryOptions['sleep']>(nothing),
  now: maybe<() => number>(nothing),
};
const breakerOptions: QuotaBreakerOptions = {
  cooldownMs: maybe<number>(nothing),
  maxEntries: maybe<number>(nothing),
  kinds: maybe<QuotaBreakerOptions['kinds']>(nothing),
  provider: maybe<string>(nothing),
  now: maybe<() => number>(nothing),
};
const scope: QuotaBreakerScope = { key: maybe<string>(nothing), provider: maybe<string>(nothing) };
const pacedOptions: PacedFetchOptions = {
  fetch: maybe<PacedFetchOptions['fetch']>(nothing),
  maxWaitMs: maybe<number>(nothing),
  overMaxWait: maybe<PacedFetchOptions['overMaxWait']>(nothing),
  refill: maybe<PacedFetchOptions['refill']>(nothing),
  maxEntries: maybe<number>(nothing),
  onHold: maybe<PacedFetchOptions['onHold']>(nothing),
  now: maybe<() => number>(nothing),
};

describe('explicit undefined options mean "absent"', () => {
  it('resilience helpers keep their defaults', async () => {
    await expect(withRetry(() => 'ok', retryOptions)).resolves.toBe('ok');

    const breaker = createQuotaBreaker(breakerOptions);
    const quota = upstreamError('openai.insufficient_quota');
    await expect(
      breaker.run(() => {
        throw quota;
      }, scope),
    ).rejects.toBe(quota);
    // Default kinds and cool-down: open, and the same error answers the next call.
    expect((await breaker.state(scope)).status).toBe('open');
    await expect(breaker.run(() => 'x', scope)).rejects.toBe(quota);

    const calls: string[] = [];
    const paced = createPacedFetch({
      ...pacedOptions,
      fetch: async (input) => {
        calls.push(String(input));
        return new Response('{}');
      },
    });
    expect((await paced('https://api.example.test/v1')).status).toBe(200);
    expect(calls).toHaveLength(1);
  });
});
