import {
  type Classification,
  classify,
  type Four29Logger,
  type ProviderId,
  type UpstreamErrorKind,
  UpstreamHttpError,
} from '@four29/core';
import { clockOption, countOption, numberOption } from '@four29/core/internal';
import { callHook, hashKey } from './internal.js';
import { checkOptions, type OptionRule } from './option-check.js';
import type { BreakerStore, BreakerTrip } from './store.js';
import { createStoreGuard, FAILED } from './store-guard.js';

export interface QuotaBreakerOptions {
  /**
   * How long calls for a tripped key fail fast before one probe is let through. Default 60 s. Also
   * the probe's lease: a probe that has not settled after this long no longer blocks the next one.
   */
  readonly cooldownMs?: number | undefined;
  /** Tripped keys remembered at most; the least recently tripped is forgotten first. Default 1000. */
  readonly maxEntries?: number | undefined;
  /** Kinds that trip the breaker. Default `quota_exhausted` and `upstream_auth`. */
  readonly kinds?: readonly UpstreamErrorKind[] | undefined;
  /** Provider for calls whose scope names none (also the classifier's hint). */
  readonly provider?: ProviderId | undefined;
  /**
   * Called when a breaker changes state, for metrics (see `@four29/otel`). Carries no key or digest.
   * A hook that throws is ignored.
   */
  readonly onStateChange?: ((event: QuotaBreakerStateChange) => void) | undefined;
  /**
   * Shared state (`createRedisStore` from `@four29/redis`): a trip on one instance opens the
   * breaker on every instance using the store, the probe is leased fleet-wide, `reset` closes it
   * everywhere. Default: in-process state only.
   */
  readonly store?: BreakerStore | undefined;
  /**
   * Longest a call waits for the store, ms. Default 50. A store that does not answer in time, or
   * fails, leaves the decision to in-process state until it answers again (one warning per outage).
   */
  readonly storeTimeoutMs?: number | undefined;
  /** Where the store-outage warning goes. Default `consoleLogger`; `false`: nowhere. */
  readonly logger?: Pick<Four29Logger, 'warn'> | false | undefined;
  /** For tests: a clock function returning epoch ms (not a number). Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/** What {@link QuotaBreakerOptions.onStateChange} receives. */
export interface QuotaBreakerStateChange {
  /** The scope's provider, else the breaker's, else the one that answered the tripping error. */
  readonly provider: ProviderId;
  readonly status: QuotaBreakerStatus;
  readonly previous: QuotaBreakerStatus;
  /** The kind of the error that tripped the breaker. */
  readonly kind?: UpstreamErrorKind;
}

/** Which breaker a call goes through: one per provider and API key. */
export interface QuotaBreakerScope {
  /** The upstream API key. Only a digest of it is kept. */
  readonly key?: string | undefined;
  readonly provider?: ProviderId | undefined;
}

export type QuotaBreakerStatus = 'closed' | 'open' | 'half-open';

export interface QuotaBreakerState {
  readonly status: QuotaBreakerStatus;
  /** While open: when the next probe is allowed, epoch ms. */
  readonly openUntil?: number;
  /** While open or half-open: the classification of the error that tripped it. */
  readonly classification?: Classification;
  /** Calls failed fast since the breaker last opened. */
  readonly rejected?: number;
  /** Whether a probe is in flight (half-open) and its lease (`cooldownMs`) has not run out. */
  readonly probing?: boolean;
}

export interface QuotaBreaker {
  /**
   * Runs `fn` unless this scope's breaker is open, in which case it rejects at once with the error
   * object that tripped it: four29's handler classifies that exactly as it did the first time.
   */
  run<T>(fn: () => T | PromiseLike<T>, scope?: QuotaBreakerScope): Promise<T>;
  state(scope?: QuotaBreakerScope): Promise<QuotaBreakerState>;
  /** Closes this scope's breaker (after an operator topped up the account, say). */
  reset(scope?: QuotaBreakerScope): Promise<void>;
}

interface Entry {
  error: unknown;
  provider: ProviderId;
  classification: Classification;
  openUntil: number;
  probing: boolean;
  /** When the current probe started; with `cooldownMs` its lease. */
  probeStartedAt: number;
  /** Serial of the current probe: a probe whose lease ran out must not undo a newer one. */
  probe: number;
  rejected: number;
}

/** The provider's own code for each kind, where the breaker's trip did not record one. */
const DEFAULT_CODES: Partial<Record<UpstreamErrorKind, readonly [number, string]>> = {
  quota_exhausted: [429, 'insufficient_quota'],
  upstream_auth: [401, 'invalid_api_key'],
  rate_limited: [429, 'rate_limit_exceeded'],
  overloaded: [529, 'overloaded_error'],
  request_too_large: [413, 'request_too_large'],
  upstream_timeout: [504, 'timeout_error'],
};

function syntheticError(trip: BreakerTrip, status: number, code: string): UpstreamHttpError {
  const message =
    'Not sent by four29 quota breaker: another instance sharing its store got this error from the upstream for this key.';
  return new UpstreamHttpError({
    status,
    provider: trip.provider,
    message,
    body: { type: 'error', error: { type: code, code, message } },
  });
}

/**
 * What a call fails fast with when another instance tripped the shared breaker: an upstream error
 * four29 classifies as the same kind, with no upstream message (the store has none). The trip's
 * own status and code first; where the kind came from the message (Anthropic's "credit balance
 * is too low" is a 400 `invalid_request_error`), the kind's usual code.
 */
function fleetError(trip: BreakerTrip, classifyAs: (e: unknown) => Classification | null) {
  const fallback = DEFAULT_CODES[trip.kind] ?? [502, 'upstream_error'];
  const candidates: (readonly [number, string])[] = [
    [trip.upstreamStatus ?? fallback[0], trip.upstreamCode ?? fallback[1]],
    [trip.upstreamStatus ?? fallback[0], fallback[1]],
    fallback,
  ];
  let last: { error: UpstreamHttpError; classification: Classification | null } | undefined;
  for (const [status, code] of candidates) {
    const error = syntheticError(trip, status, code);
    const classification = classifyAs(error);
    last = { error, classification };
    if (classification?.kind === trip.kind) break;
  }
  return last as { error: UpstreamHttpError; classification: Classification | null };
}

function newGen(t: number): string {
  return `${t.toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * A circuit breaker for errors that waiting will not fix within seconds. Once a call fails with
 * `quota_exhausted` (or `upstream_auth`), calls for the same provider and key fail fast for
 * `cooldownMs`; then exactly one probe goes upstream while concurrent calls keep failing fast. The
 * probe succeeding, or the upstream answering with any other error, closes the breaker; another
 * quota error re-opens it. A probe that gets no upstream answer (a network error, a bug in `fn`)
 * leaves it half-open for the next call to probe. A probe that never settles (a stuck socket
 * without a timeout) holds the probe slot for at most `cooldownMs`, then the next call probes.
 */
const BREAKER_OPTIONS: Readonly<Record<keyof QuotaBreakerOptions, OptionRule>> = {
  cooldownMs: { type: 'number', min: 0 },
  maxEntries: { type: 'number', min: 1 },
  kinds: { type: 'array' },
  provider: { type: 'string' },
  onStateChange: { type: 'function' },
  store: { type: 'object' },
  storeTimeoutMs: { type: 'number', min: 0 },
  logger: { type: 'logger' },
  now: { type: 'function' },
};

export function createQuotaBreaker(input: QuotaBreakerOptions = {}): QuotaBreaker {
  const options = checkOptions<QuotaBreakerOptions>('createQuotaBreaker', input, BREAKER_OPTIONS);
  const now = clockOption(options.now);
  const cooldownMs = numberOption(options.cooldownMs, 60_000);
  const maxEntries = countOption(options.maxEntries, 1000);
  const kinds: ReadonlySet<string> = new Set<string>(
    Array.isArray(options.kinds) ? options.kinds : ['quota_exhausted', 'upstream_auth'],
  );
  // Only tripped scopes are stored; a closed breaker has no entry. Map order is trip order (LRU).
  const entries = new Map<string, Entry>();
  const store = options.store;
  const guard =
    store !== undefined
      ? createStoreGuard(store, {
          timeoutMs: options.storeTimeoutMs,
          logger: options.logger,
          now,
          helper: 'quota-breaker',
        })
      : undefined;
  // With a store: the error objects of the trips this instance saw, so it rethrows the very error
  // (others get `fleetError`). Bounded like `entries`.
  const tripped = new Map<
    string,
    { gen: string; error: unknown; classification: Classification }
  >();

  async function idFor(scope: QuotaBreakerScope | undefined): Promise<string> {
    const provider =
      typeof scope?.provider === 'string' ? scope.provider : (options.provider ?? '');
    const key = typeof scope?.key === 'string' && scope.key.length > 0 ? scope.key : undefined;
    return `${provider}\u0000${key !== undefined ? await hashKey(key) : '*'}`;
  }

  function classifyTrip(error: unknown, provider: ProviderId | undefined) {
    let c: Classification | null = null;
    try {
      c = classify(error, provider !== undefined ? { now: now(), provider } : { now: now() });
    } catch {
      c = null;
    }
    return c;
  }

  function statusOf(entry: Entry | undefined, t: number): QuotaBreakerStatus {
    if (entry === undefined) return 'closed';
    return t < entry.openUntil ? 'open' : 'half-open';
  }

  function changed(entry: Entry, status: QuotaBreakerStatus, previous: QuotaBreakerStatus): void {
    if (status === previous) return;
    callHook(options.onStateChange, {
      provider: entry.provider,
      status,
      previous,
      kind: entry.classification.kind,
    });
  }

  function open(
    id: string,
    error: unknown,
    c: Classification,
    provider: ProviderId | undefined,
  ): void {
    const t = now();
    const previous = statusOf(entries.get(id), t);
    entries.delete(id);
    const entry: Entry = {
      error,
      provider: provider ?? c.provider,
      classification: c,
      openUntil: t + cooldownMs,
      probing: false,
      probeStartedAt: 0,
      probe: 0,
      rejected: 0,
    };
    entries.set(id, entry);
    changed(entry, 'open', previous);
    while (entries.size > maxEntries) {
      const oldest = entries.entries().next();
      if (oldest.done === true) break;
      entries.delete(oldest.value[0]);
      // Forgotten is closed: the next call goes upstream.
      changed(oldest.value[1], 'closed', statusOf(oldest.value[1], t));
    }
  }

  function close(id: string, entry: Entry, previous: QuotaBreakerStatus): void {
    entries.delete(id);
    changed(entry, 'closed', previous);
  }

  function probeHeld(entry: Entry, t: number): boolean {
    return entry.probing && t - entry.probeStartedAt < cooldownMs;
  }

  async function run<T>(fn: () => T | PromiseLike<T>, scope?: QuotaBreakerScope): Promise<T> {
    if (typeof fn !== 'function') throw new TypeError('QuotaBreaker.run: fn must be a function');
    const id = await idFor(scope);
    const provider = typeof scope?.provider === 'string' ? scope.provider : options.provider;
    if (store !== undefined && guard?.available() === true) {
      const sid = sharedId(id);
      const entry = await guard.call(() => store.breakerEnter(sid, now(), cooldownMs));
      if (entry !== FAILED) return runShared(fn, id, sid, provider, entry);
    }
    // Everything from here to the call is synchronous, so concurrent callers see each other's probe.
    const entry = entries.get(id);
    const isProbe = entry !== undefined;
    let probe = 0;
    if (entry !== undefined) {
      const t = now();
      if (t < entry.openUntil || probeHeld(entry, t)) {
        entry.rejected++;
        throw entry.error;
      }
      entry.probing = true;
      entry.probeStartedAt = t;
      // Only the first probe since the breaker opened is the change; later ones follow a lost answer.
      if (entry.probe === 0) changed(entry, 'half-open', 'open');
      probe = ++entry.probe;
    }
    try {
      const result = await fn();
      if (isProbe && entries.get(id) === entry) close(id, entry, 'half-open');
      return result;
    } catch (error) {
      const c = classifyTrip(error, provider);
      if (c !== null && kinds.has(c.kind)) {
        open(id, error, c, provider);
      } else if (isProbe && entries.get(id) === entry) {
        if (c !== null && c.upstreamStatus !== undefined) close(id, entry, 'half-open');
        else if (entry.probe === probe) entry.probing = false;
      }
      throw error;
    }
  }

  function sharedId(id: string): string {
    return id.replace('\u0000', '/');
  }

  function remember(id: string, gen: string, error: unknown, classification: Classification) {
    tripped.delete(id);
    tripped.set(id, { gen, error, classification });
    while (tripped.size > maxEntries) {
      const oldest = tripped.keys().next();
      if (oldest.done === true) break;
      tripped.delete(oldest.value);
    }
  }

  function errorOf(id: string, gen: string, trip: BreakerTrip) {
    const own = tripped.get(id);
    if (own !== undefined && own.gen === gen) return own;
    return { gen, ...fleetError(trip, (e) => classifyTrip(e, trip.provider)) };
  }

  function emit(trip: BreakerTrip, status: QuotaBreakerStatus, previous: QuotaBreakerStatus) {
    if (status !== previous) {
      callHook(options.onStateChange, {
        provider: trip.provider,
        status,
        previous,
        kind: trip.kind,
      });
    }
  }

  async function runShared<T>(
    fn: () => T | PromiseLike<T>,
    id: string,
    sid: string,
    provider: ProviderId | undefined,
    entry: Exclude<Awaited<ReturnType<BreakerStore['breakerEnter']>>, typeof FAILED>,
  ): Promise<T> {
    const s = store as BreakerStore;
    const g = guard as NonNullable<typeof guard>;
    if (entry.action === 'reject') throw errorOf(id, entry.gen, entry.trip).error;
    if (entry.action === 'probe' && entry.probe === 1) emit(entry.trip, 'half-open', 'open');
    try {
      const result = await fn();
      if (entry.action === 'probe') {
        const closed = await g.call(() => s.breakerSettle(sid, entry.gen, entry.probe, 'close'));
        if (closed === true) emit(entry.trip, 'closed', 'half-open');
      }
      return result;
    } catch (error) {
      const c = classifyTrip(error, provider);
      if (c !== null && kinds.has(c.kind)) {
        const gen = newGen(now());
        remember(id, gen, error, c);
        const trip: BreakerTrip = {
          kind: c.kind,
          provider: provider ?? c.provider,
          upstreamStatus: c.upstreamStatus,
          upstreamCode: c.upstreamCode,
        };
        const stored = await g.call(() => s.breakerTrip(sid, gen, trip, now(), cooldownMs));
        // The store is down: this instance at least remembers the trip.
        if (stored === FAILED) open(id, error, c, provider);
        else emit(trip, 'open', entry.action === 'probe' ? 'half-open' : 'closed');
      } else if (entry.action === 'probe') {
        const outcome = c !== null && c.upstreamStatus !== undefined ? 'close' : 'release';
        const closed = await g.call(() => s.breakerSettle(sid, entry.gen, entry.probe, outcome));
        if (closed === true) emit(entry.trip, 'closed', 'half-open');
      }
      throw error;
    }
  }

  async function state(scope?: QuotaBreakerScope): Promise<QuotaBreakerState> {
    const id = await idFor(scope);
    if (store !== undefined && guard?.available() === true) {
      const t = now();
      const record = await guard.call(() => store.breakerRead(sharedId(id), t, cooldownMs));
      if (record !== FAILED) {
        if (record === undefined) return { status: 'closed' };
        const classification = errorOf(id, record.gen, record.trip).classification;
        const base = {
          ...(classification !== null ? { classification } : {}),
          rejected: record.rejected,
          probing: record.probing,
        };
        return t < record.openUntil
          ? { status: 'open', openUntil: record.openUntil, ...base }
          : { status: 'half-open', ...base };
      }
    }
    const entry = entries.get(id);
    if (entry === undefined) return { status: 'closed' };
    const t = now();
    const base = {
      classification: entry.classification,
      rejected: entry.rejected,
      probing: probeHeld(entry, t),
    };
    return t < entry.openUntil
      ? { status: 'open', openUntil: entry.openUntil, ...base }
      : { status: 'half-open', ...base };
  }

  async function reset(scope?: QuotaBreakerScope): Promise<void> {
    const id = await idFor(scope);
    if (store !== undefined) {
      // Tried even inside a back-off: an operator's reset must reach the fleet if it can.
      const t = now();
      const closed = await (guard as NonNullable<typeof guard>).call(() =>
        store.breakerReset(sharedId(id)),
      );
      if (closed !== FAILED && closed !== undefined) {
        emit(closed.trip, 'closed', t < closed.openUntil ? 'open' : 'half-open');
      }
      tripped.delete(id);
    }
    const entry = entries.get(id);
    if (entry !== undefined) close(id, entry, statusOf(entry, now()));
  }

  return { run, state, reset };
}
