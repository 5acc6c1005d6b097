import {
  type Classification,
  classify,
  type Four29Logger,
  isRetryableClassification,
  type ProviderId,
} from '@four29/core';
import { clockOption, countOption, numberOption } from '@four29/core/internal';
import { abortableSleep, abortReason, callHook, isAbortSignal } from './internal.js';
import { checkOptions, type OptionRule } from './option-check.js';

/** What `fn` receives on each attempt. */
export interface RetryAttempt {
  /** 1 for the first call. */
  readonly attempt: number;
  /** The caller's signal, to pass on to the SDK call so an abort also cancels the request in flight. */
  readonly signal: AbortSignal | undefined;
}

export interface RetryEvent {
  /** The attempt that just failed (1-based). */
  readonly attempt: number;
  /** How long withRetry waits before the next attempt. */
  readonly delayMs: number;
  readonly classification: Classification;
  readonly error: unknown;
}

export interface RetryOptions {
  /** Attempts in all, the first included. Default 3. */
  readonly maxAttempts?: number | undefined;
  /** First backoff step when the upstream gave no retry time. Default 500 ms. */
  readonly baseDelayMs?: number | undefined;
  /** Backoff growth per attempt. Default 2. */
  readonly factor?: number | undefined;
  /** Largest backoff step (before jitter). Default 8 s. */
  readonly capDelayMs?: number | undefined;
  /**
   * Longest wait withRetry accepts. When the upstream asks for longer (a daily limit, a
   * `Retry-After: 86400`), the error is rethrown at once instead of holding the request. Default 60 s.
   */
  readonly maxDelayMs?: number | undefined;
  /** Budget for all attempts and waits together, from the first call. No sleep runs past it. */
  readonly deadlineMs?: number | undefined;
  /** Aborting rejects a pending wait at once with the signal's reason; no further attempt starts. */
  readonly signal?: AbortSignal | undefined;
  /** Provider hint for classifying errors that do not name their provider. */
  readonly provider?: ProviderId | undefined;
  /** Called before each wait. A hook that throws is ignored. */
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Where the warning about a bad option goes. Default `consoleLogger`; `false`: nowhere. */
  readonly logger?: Pick<Four29Logger, 'warn'> | false | undefined;
  /** For tests: a number in [0, 1). Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** For tests: waits `ms`. withRetry still rejects at once when the signal aborts. */
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** For tests: a clock function returning epoch ms (not a number). Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

function safeClassify(error: unknown, now: number, provider: ProviderId | undefined) {
  try {
    return classify(error, provider !== undefined ? { now, provider } : { now });
  } catch {
    return null;
  }
}

function jitter(random: (() => number) | undefined): number {
  let r = Math.random();
  if (typeof random === 'function') {
    try {
      r = random();
    } catch {
      r = Math.random();
    }
  }
  // A broken generator (NaN, 7) gets the full step: waiting too long is the safe side.
  return typeof r === 'number' && r >= 0 && r <= 1 ? r : 1;
}

async function wait(
  ms: number,
  signal: AbortSignal | undefined,
  sleep: RetryOptions['sleep'],
): Promise<'slept' | 'failed'> {
  // The onRetry hook may have aborted; an 'abort' listener added now would never fire.
  if (signal?.aborted) throw abortReason(signal);
  if (typeof sleep !== 'function') {
    await abortableSleep(ms, signal);
    return 'slept';
  }
  // A custom sleep may ignore the signal: race it against the abort so an abort is still prompt.
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (signal === undefined) return;
    onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([Promise.resolve().then(() => sleep(ms, signal)), aborted]);
    return 'slept';
  } catch {
    if (signal?.aborted) throw abortReason(signal);
    // The caller's sleep broke: we cannot wait, so the upstream error is what the caller gets.
    return 'failed';
  } finally {
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}

const RETRY_OPTIONS: Readonly<Record<keyof RetryOptions, OptionRule>> = {
  maxAttempts: { type: 'number', min: 1 },
  baseDelayMs: { type: 'number', min: 0 },
  factor: { type: 'number', min: 1 },
  capDelayMs: { type: 'number', min: 0 },
  maxDelayMs: { type: 'number', min: 0 },
  deadlineMs: { type: 'number', min: 0 },
  signal: { type: 'signal' },
  provider: { type: 'string' },
  onRetry: { type: 'function' },
  logger: { type: 'logger' },
  random: { type: 'function' },
  sleep: { type: 'function' },
  now: { type: 'function' },
};

/**
 * Calls `fn` until it succeeds, retrying only what four29 classifies as worth retrying:
 * rate limits, overloads, timeouts and transient upstream errors. Quota, credential and
 * request-too-large errors, and anything that is not an upstream error, are rethrown at once.
 * Waits what the upstream asked for when it said so, else exponential backoff with full jitter.
 * Always settles with `fn`'s result, `fn`'s last error, or the signal's abort reason.
 *
 * Turn the SDK's own retries off (`maxRetries: 0`) when wrapping an SDK call, or both layers retry.
 *
 * The options are checked on each call, before the first attempt: a bad or unknown option falls
 * back to its default and is named in one `four29.invalid_options` warning through `logger`.
 */
export async function withRetry<T>(
  fn: (attempt: RetryAttempt) => T | PromiseLike<T>,
  input: RetryOptions = {},
): Promise<T> {
  if (typeof fn !== 'function') throw new TypeError('withRetry: fn must be a function');
  const options = checkOptions<RetryOptions>('withRetry', input, RETRY_OPTIONS);
  const now = clockOption(options.now);
  const signal = isAbortSignal(options.signal) ? options.signal : undefined;
  const maxAttempts = countOption(options.maxAttempts, 3);
  const base = numberOption(options.baseDelayMs, 500);
  const factor = numberOption(options.factor, 2, 1);
  const cap = numberOption(options.capDelayMs, 8_000);
  const maxDelay = numberOption(options.maxDelayMs, 60_000);
  const budget = numberOption(options.deadlineMs, Number.POSITIVE_INFINITY);
  const deadline = now() + budget;

  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortReason(signal);
    try {
      return await fn({ attempt, signal });
    } catch (error) {
      // An abort during the call ends the loop: the caller no longer wants the answer.
      if (signal?.aborted || attempt >= maxAttempts) throw error;
      const t = now();
      const c = safeClassify(error, t, options.provider);
      if (!isRetryableClassification(c)) throw error;
      const asked = c.retryAfterMs;
      let delayMs: number;
      if (typeof asked === 'number' && Number.isFinite(asked) && asked >= 0) {
        if (asked > maxDelay) throw error;
        delayMs = asked;
      } else {
        const step = Math.min(cap, base * factor ** (attempt - 1));
        delayMs = Math.min(maxDelay, Math.floor(step * jitter(options.random)));
      }
      if (t + delayMs > deadline) throw error;
      callHook(options.onRetry, { attempt, delayMs, classification: c, error });
      if ((await wait(delayMs, signal, options.sleep)) === 'failed') throw error;
    }
  }
}
