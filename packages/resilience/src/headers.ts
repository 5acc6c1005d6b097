/**
 * What the paced fetch needs from a response's rate-limit headers, read with the classifier's
 * parser (`readRateLimitHeaders`) so there is one reading of every provider's format.
 */
import { readRateLimitHeaders } from '@four29/core';

/** One limit an upstream announced on a response, named so later answers replace it. */
export interface ObservedLimit {
  /** Stable across responses: the dimension (`requests`, `input_tokens`), `ietf:<policy>`, `default`. */
  readonly name: string;
  readonly limit?: number;
  readonly remaining: number;
  /** Time from the response until the budget resets (window) or is full again (bucket). */
  readonly resetMs?: number;
  /**
   * `bucket`: per-dimension headers (OpenAI, Azure, Anthropic), whose providers refill continuously
   * and announce when the bucket is full. `window`: stays spent until the reset (IETF, GitHub).
   */
  readonly refill: 'bucket' | 'window';
  /** Each request spends one unit (requests); else the unit is tokens, unknown per request. */
  readonly countsRequests: boolean;
}

/**
 * The server's clock at the response, from its `Date` header, so absolute resets (Anthropic's
 * RFC 3339, GitHub's epoch seconds) are read against the server's clock rather than ours. `Date`
 * has whole seconds and is truncated, so a delay computed from it errs long: the safe side.
 */
function serverNow(headers: Headers, localNow: number): number {
  let date: string | null = null;
  try {
    date = headers.get('date');
  } catch {
    return localNow;
  }
  if (date === null || date.length > 64) return localNow;
  const t = Date.parse(date);
  // A wildly wrong Date (a cached response, a broken proxy) would be worse than our own clock.
  return Number.isFinite(t) && Math.abs(t - localNow) < 24 * 3600 * 1000 ? t : localNow;
}

/**
 * Every limit a response announces that has a `remaining` count, one per name. Unsuffixed headers
 * (GitHub-style `x-ratelimit-*`, IETF drafts without a policy name) share the name `default`; when
 * a response carries several, the most restrictive wins. Never throws.
 */
export function readAnnouncedLimits(headers: Headers, now: number): ObservedLimit[] {
  const out = new Map<string, ObservedLimit>();
  const { limits } = readRateLimitHeaders(headers, serverNow(headers, now));
  for (const b of limits) {
    if (b.remaining === undefined) continue;
    const dimension = typeof b.dimension === 'string' ? b.dimension : undefined;
    const name = dimension ?? (b.policy !== undefined ? `ietf:${b.policy}` : 'default');
    const o: { -readonly [K in keyof ObservedLimit]: ObservedLimit[K] } = {
      name,
      remaining: b.remaining,
      refill: dimension !== undefined ? 'bucket' : 'window',
      // Unsuffixed headers (GitHub, IETF) count requests.
      countsRequests: dimension === undefined || dimension === 'requests',
    };
    if (b.limit !== undefined) o.limit = b.limit;
    if (b.resetAfterMs !== undefined) o.resetMs = b.resetAfterMs;
    const seen = out.get(name);
    if (
      seen === undefined ||
      o.remaining < seen.remaining ||
      (o.remaining === seen.remaining && (o.resetMs ?? 0) > (seen.resetMs ?? 0))
    ) {
      out.set(name, o);
    }
  }
  return [...out.values()];
}

/** `retry-after-ms`, else `retry-after` (delay-seconds or HTTP-date), in ms from now. */
export function readRetryAfter(headers: Headers, now: number): number | undefined {
  return readRateLimitHeaders(headers, serverNow(headers, now)).retryAfterMs;
}
