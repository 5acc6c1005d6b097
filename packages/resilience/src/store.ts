/**
 * The shared-state store the quota breaker and the paced fetch accept as `store`: several
 * instances that use one store share one breaker and one budget per provider/origin and key.
 * Each method is one atomic decision (one Lua script call for `@four29/redis`). Ids carry only a
 * digest of the API key, never the key; records carry no error object and no upstream message.
 */
import type { ProviderId, UpstreamErrorKind } from '@four29/core';

/** What tripped a shared breaker, enough for another instance to fail fast with the same kind. */
export interface BreakerTrip {
  readonly kind: UpstreamErrorKind;
  readonly provider: ProviderId;
  readonly upstreamStatus?: number | undefined;
  readonly upstreamCode?: string | undefined;
}

/** One call's admission through a shared breaker. */
export type BreakerEntry =
  | { readonly action: 'go' }
  | { readonly action: 'reject'; readonly trip: BreakerTrip; readonly gen: string }
  | {
      readonly action: 'probe';
      readonly trip: BreakerTrip;
      readonly gen: string;
      /** Serial of this probe within the trip `gen`. */
      readonly probe: number;
    };

export interface BreakerRecord {
  readonly trip: BreakerTrip;
  readonly gen: string;
  readonly openUntil: number;
  readonly probing: boolean;
  readonly rejected: number;
}

export interface BreakerStore {
  /**
   * Closed: `go`. Open, or half-open with a probe whose lease (`leaseMs` from its start) runs:
   * `reject` (and counts it). Half-open without a live probe: this call takes the probe lease.
   */
  breakerEnter(id: string, now: number, leaseMs: number): Promise<BreakerEntry>;
  /** Opens (or re-opens) the breaker until `now + cooldownMs` under the new generation `gen`. */
  breakerTrip(
    id: string,
    gen: string,
    trip: BreakerTrip,
    now: number,
    cooldownMs: number,
  ): Promise<void>;
  /**
   * Ends probe `probe` of generation `gen`: `close` closes the breaker, `release` frees the probe
   * lease. Nothing happens when the breaker was re-tripped since (another `gen`), or, for
   * `release`, when a newer probe holds the lease. Resolves whether the breaker was closed.
   */
  breakerSettle(
    id: string,
    gen: string,
    probe: number,
    outcome: 'close' | 'release',
  ): Promise<boolean>;
  /** Closes the breaker; resolves what it closed. */
  breakerReset(id: string): Promise<BreakerRecord | undefined>;
  breakerRead(id: string, now: number, leaseMs: number): Promise<BreakerRecord | undefined>;
}

/** A budget an upstream announced on a response, as the paced fetch shares it. */
export interface SharedBudget {
  readonly name: string;
  readonly remaining: number;
  readonly limit?: number | undefined;
  /** Epoch ms. */
  readonly resetAt?: number | undefined;
  /** One unit per request; else the unit is tokens. */
  readonly countsRequests: boolean;
}

export interface PaceRequest {
  /** Tokens this request is estimated to spend (prompt and completion); 0 when unknown. */
  readonly tokens: number;
  /** Configured budgets, refilled continuously (a bucket as large as a minute's budget). */
  readonly requestsPerMinute?: number | undefined;
  readonly tokensPerMinute?: number | undefined;
  /** How long a reservation counts as in flight when it is never released (a crashed instance). */
  readonly leaseMs: number;
  /**
   * A unique id for this request's reservation, chosen by the caller: `paceRelease` with it ends
   * the reservation, also one the store made after the caller had stopped waiting for its answer.
   */
  readonly reservation: string;
  /**
   * The asking paced fetch's own random id (never derived from the key). A store that counts the
   * distinct ids asking for `id` within the last `leaseMs` answers that count as `peers`.
   */
  readonly instance?: string | undefined;
}

/**
 * `peers`: how many instances asked for this id within the last `leaseMs`, the asking one included.
 * While the store is unavailable, each paced fetch then spends only its 1/`peers` share of every
 * budget from in-process state, instead of all of it N times over. A store that leaves it out
 * gets the whole budget per instance in an outage.
 */
export type PaceDecision =
  | {
      readonly go: true;
      /** Fleet-wide send order: an answer's budgets replace those of answers sent before it. */
      readonly seq: number;
      readonly peers?: number | undefined;
    }
  | {
      readonly go: false;
      /** Until a budget resets; undefined while only answers in flight (anywhere) can free it. */
      readonly waitMs: number | undefined;
      readonly peers?: number | undefined;
    };

/**
 * Two reports of one budget whose resets are this close belong to one window of the upstream's:
 * resets in whole seconds (IETF `t`, epoch seconds, RFC 3339) spread one window's reset over up to
 * a second, answer delays add a few ms, and real windows are a minute or longer apart. Within
 * one window the upstream's count only grows, so a store keeps the lowest remaining and the later
 * reset, whatever order the answers arrive in. A later window replaces; a late answer from an
 * earlier one is dropped. `@four29/redis`'s release script uses the same figure.
 */
export const SAME_WINDOW_MS = 1000;

/**
 * Which of two reports of one budget to keep, by `SAME_WINDOW_MS`: the in-process pace and
 * `createMemoryStore()` both decide through it (the Redis release script in Lua). `windowed`: the
 * budget has windows (a continuously refilled bucket has none). Without windows or resets, the
 * later-sent report wins, and an earlier one only if it `lowers` the estimate.
 */
export function newerReport<
  R extends {
    readonly remaining: number;
    readonly resetAt: number | undefined;
    readonly seq: number;
  },
>(current: R, next: R, windowed: boolean, lowers: () => boolean): R {
  const seq = Math.max(current.seq, next.seq);
  if (windowed && current.resetAt !== undefined && next.resetAt !== undefined) {
    if (Math.abs(next.resetAt - current.resetAt) <= SAME_WINDOW_MS) {
      if (next.remaining >= current.remaining && next.resetAt <= current.resetAt) return current;
      return {
        ...next,
        remaining: Math.min(current.remaining, next.remaining),
        resetAt: Math.max(current.resetAt, next.resetAt),
        seq,
      };
    }
    return next.resetAt > current.resetAt ? { ...next, seq } : current;
  }
  return next.seq > current.seq || lowers() ? { ...next, seq } : current;
}

export interface PaceReport {
  readonly seq: number;
  readonly budgets: readonly SharedBudget[];
  /** From a Retry-After on an error answer: no request for this id before then, epoch ms. */
  readonly blockedUntil?: number | undefined;
}

export interface PacingStore {
  /**
   * Admits a request if every budget (announced, configured, Retry-After) has room for it and
   * for the requests in flight, and reserves its share; else says how long to wait.
   */
  paceAcquire(id: string, now: number, request: PaceRequest): Promise<PaceDecision>;
  /** Ends a reservation, with what its answer announced (or none, when it got no answer). */
  paceRelease(
    id: string,
    now: number,
    reservation: string,
    report: PaceReport | undefined,
  ): Promise<void>;
}

/** A store both helpers accept, such as `createRedisStore` from `@four29/redis`. */
export type ResilienceStore = BreakerStore & PacingStore;
