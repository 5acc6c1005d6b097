import type { BucketOptions } from './types.js';

export const DEFAULT_BUCKET: BucketOptions = {
  requestsPerMinute: 10_000,
  tokensPerMinute: 10_000_000,
};

const WINDOW_MS = 60_000;

export interface Budget {
  readonly limit: number;
  /** Left after this request (when it was allowed) or now (when it was refused). */
  readonly remaining: number;
  /** Epoch ms when the whole budget is back. */
  readonly resetAt: number;
}

export interface BucketState {
  readonly requests: Budget;
  readonly tokens: Budget | undefined;
}

export type BucketDecision =
  | { readonly allowed: true; readonly state: BucketState }
  | {
      readonly allowed: false;
      /** `too_large`: the request alone costs more tokens than a whole window allows. */
      readonly reason: 'requests' | 'tokens' | 'too_large';
      readonly state: BucketState;
      readonly requested: number;
    };

interface Window {
  readonly end: number;
  requests: number;
  tokens: number;
}

/**
 * A fixed window per key. Fixed rather than sliding so "reset" has one meaning: at `resetAt`
 * the budget is whole again, which is also the earliest moment a refused request can pass.
 * Windows end on a whole second so RFC 3339 resets (second precision) are exact, not rounded.
 * Refused requests are not charged, so a client that waits for the reset is never refused twice.
 */
export class RateLimiter {
  readonly #options: BucketOptions;
  readonly #windows = new Map<string, Window>();

  constructor(options: BucketOptions) {
    this.#options = options;
  }

  take(key: string, tokens: number, now: number): BucketDecision {
    const window = this.#window(key, now);
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.#options;
    const state = (): BucketState => ({
      requests: { limit: rpm, remaining: Math.max(0, rpm - window.requests), resetAt: window.end },
      tokens:
        tpm === undefined
          ? undefined
          : { limit: tpm, remaining: Math.max(0, tpm - window.tokens), resetAt: window.end },
    });
    if (tpm !== undefined && tokens > tpm) {
      return { allowed: false, reason: 'too_large', state: state(), requested: tokens };
    }
    if (window.requests + 1 > rpm) {
      return { allowed: false, reason: 'requests', state: state(), requested: 1 };
    }
    if (tpm !== undefined && window.tokens + tokens > tpm) {
      return { allowed: false, reason: 'tokens', state: state(), requested: tokens };
    }
    window.requests += 1;
    window.tokens += tokens;
    return { allowed: true, state: state() };
  }

  reset(): void {
    this.#windows.clear();
  }

  #window(key: string, now: number): Window {
    const current = this.#windows.get(key);
    if (current !== undefined && now < current.end) return current;
    const w = this.#options.windowMs;
    const fresh: Window = {
      // A set window is aligned on the epoch (every window exactly `windowMs` long), so a
      // benchmark can start on a boundary and count whole windows; windows of whole seconds
      // still end on a whole second.
      end:
        w !== undefined
          ? (Math.floor(now / w) + 1) * w
          : Math.ceil((now + WINDOW_MS) / 1000) * 1000,
      requests: 0,
      tokens: 0,
    };
    this.#windows.set(key, fresh);
    return fresh;
  }
}

export function validateBucket(bucket: BucketOptions): BucketOptions {
  const positiveInt = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (!positiveInt(bucket.requestsPerMinute)) {
    throw new TypeError('bucket.requestsPerMinute must be a positive integer');
  }
  if (bucket.tokensPerMinute !== undefined && !positiveInt(bucket.tokensPerMinute)) {
    throw new TypeError('bucket.tokensPerMinute must be a positive integer');
  }
  if (bucket.windowMs !== undefined && !positiveInt(bucket.windowMs)) {
    throw new TypeError('bucket.windowMs must be a positive integer (ms)');
  }
  if (
    bucket.tokenCharge !== undefined &&
    bucket.tokenCharge !== 'usage' &&
    bucket.tokenCharge !== 'requested'
  ) {
    throw new TypeError("bucket.tokenCharge must be 'usage' or 'requested'");
  }
  return bucket;
}
