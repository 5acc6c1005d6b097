import type { Four29Logger } from '@four29/core';
import { clockOption, countOption, MAX_TIMER_MS, numberOption } from '@four29/core/internal';
import { type ObservedLimit, readAnnouncedLimits, readRetryAfter } from './headers.js';
import { abortableSleep, abortReason, callHook, hashKey, isAbortSignal } from './internal.js';
import { checkOptions, type OptionRule } from './option-check.js';
import { newerReport, type PaceDecision, type PacingStore, type SharedBudget } from './store.js';
import { createStoreGuard, FAILED } from './store-guard.js';
import { estimateTokens } from './tokens.js';

/** The `fetch` signature the OpenAI and Anthropic SDKs accept. */
export type PacedFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface PacedFetchHoldEvent {
  /** Origin of the held request, e.g. `https://api.openai.com`. */
  readonly origin: string;
  /** Expected hold, when the budget headers tell; undefined while waiting for answers in flight. */
  readonly waitMs: number | undefined;
  /** Requests held for this origin and key, this one included. */
  readonly queued: number;
}

export interface PacedFetchOptions {
  /** The fetch that sends requests. Default: the global `fetch`, looked up on each call. */
  readonly fetch?: PacedFetch | undefined;
  /**
   * Longest a request is held. Default 60 s. When the budget resets later than that, the request
   * is not held at all: see `overMaxWait`.
   */
  readonly maxWaitMs?: number | undefined;
  /**
   * What happens to a request that would wait longer than `maxWaitMs`:
   * - `'respond-429'` (default): it is not sent; the paced fetch answers a local 429 with
   *   `retry-after`, `x-should-retry: false` (so the SDKs do not retry it) and `x-four29-paced`.
   *   The SDK turns it into its usual rate-limit error, which four29 classifies as `rate_limited`.
   * - `'send'`: it is sent anyway and the upstream decides.
   */
  readonly overMaxWait?: 'respond-429' | 'send' | undefined;
  /**
   * How a spent request budget comes back:
   * - `'at-reset'` (default): whole at the reset the upstream announced, nothing before. Never wrong
   *   about an honest upstream, whatever its algorithm; the price is burstiness: the budget is spent
   *   in a burst, then requests wait for the reset (throughput stays near the limit).
   * - `'continuous'`: for OpenAI and Anthropic headers, which announce when a continuously refilled
   *   bucket is full again, slots are assumed back linearly before that, so held requests go out
   *   one by one. Sends into a 429 if an upstream refills in steps rather than continuously.
   */
  readonly refill?: 'at-reset' | 'continuous' | undefined;
  /** Origins × keys tracked at once; the least recently used idle one is forgotten first. Default 1000. */
  readonly maxEntries?: number | undefined;
  /** Called when a request is held. A hook that throws is ignored. */
  readonly onHold?: ((event: PacedFetchHoldEvent) => void) | undefined;
  /**
   * A request budget of your own, for upstreams that announce none (Gemini, Bedrock) or to stay
   * under a share of one. A bucket of this many requests, refilled continuously over a minute.
   */
  readonly requestsPerMinute?: number | undefined;
  /** A token budget of your own, spent by each request's `estimateTokens`. Like `requestsPerMinute`. */
  readonly tokensPerMinute?: number | undefined;
  /**
   * Tokens a request will spend, for `tokensPerMinute` and shared token budgets. Default: the
   * body's length / 4 plus its `max_tokens` (`max_completion_tokens`, `max_output_tokens`,
   * `maxOutputTokens`, `maxTokens`). A function that throws or returns nonsense counts 0.
   */
  readonly estimateTokens?:
    | ((input: string | URL | Request, init: RequestInit | undefined) => number)
    | undefined;
  /**
   * Shared state (`createRedisStore` from `@four29/redis`): announced and configured budgets and
   * requests in flight are shared by every instance using the store. Default: in-process state.
   */
  readonly store?: PacingStore | undefined;
  /** Longest a request waits for one store answer, ms. Default 50; then in-process state decides. */
  readonly storeTimeoutMs?: number | undefined;
  /** How often a request held by answers in flight elsewhere asks the store again, ms. Default 25. */
  readonly storePollMs?: number | undefined;
  /**
   * How long a reservation in the store counts as in flight when its instance never releases it
   * (it crashed), ms. Default 120 s.
   */
  readonly storeLeaseMs?: number | undefined;
  /** Where the store-outage warning goes. Default `consoleLogger`; `false`: nowhere. */
  readonly logger?: Pick<Four29Logger, 'warn'> | false | undefined;
  /** For tests: a clock function returning epoch ms (not a number). Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/** An announced limit as last reported, with when, for estimating what is left now. */
interface KnownLimit {
  readonly limit: number | undefined;
  readonly remaining: number;
  readonly observedAt: number;
  readonly resetAt: number | undefined;
  readonly refill: 'bucket' | 'window';
  readonly countsRequests: boolean;
  /** Send order of the request whose answer reported this: later requests carry newer truth. */
  readonly seq: number;
  /** Token budgets: what the last request spent, from the drop between two answers in a row. */
  readonly cost: number | undefined;
}

type Admission =
  | { readonly go: true }
  | { readonly go: false; readonly waitMs: number | undefined };

interface Waiter {
  readonly deadline: number;
  readonly tokens: number;
  readonly settle: (admission: Admission) => void;
  detach: () => void;
}

/** Pacing state of one origin and key: announced limits, configured budgets, waiters. */
interface OriginPace {
  readonly origin: string;
  readonly limits: Map<string, KnownLimit>;
  blockedUntil: number;
  inFlight: number;
  readonly queue: Waiter[];
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Configured budgets (`requestsPerMinute`, `tokensPerMinute`): what is left, as of `levelAt`. */
  requestLevel: number;
  tokenLevel: number;
  levelAt: number;
  /**
   * Instances sharing this budget, as the store last counted them (1 without a store). While
   * the store is unavailable, in-process state spends only 1/share of every budget.
   */
  share: number;
}

interface Configured {
  readonly requestsPerMinute: number | undefined;
  readonly tokensPerMinute: number | undefined;
}

const MINUTE_MS = 60_000;

/** A configured budget's level at `t`: a bucket of `perMinute`, refilled continuously. */
function level(current: number, perMinute: number, elapsed: number): number {
  return Math.min(perMinute, current + (perMinute * Math.max(0, elapsed)) / MINUTE_MS);
}

/** Milliseconds until a request of `tokens` fits this instance's share of the configured budgets. */
function configuredWait(pace: OriginPace, t: number, tokens: number, c: Configured): number {
  let wait = 0;
  const elapsed = t - pace.levelAt;
  if (c.requestsPerMinute !== undefined) {
    const rpm = c.requestsPerMinute / pace.share;
    const have = level(pace.requestLevel, rpm, elapsed);
    if (have + EPSILON < 1) wait = ((1 - have) * MINUTE_MS) / rpm;
  }
  if (c.tokensPerMinute !== undefined && tokens > 0) {
    const tpm = c.tokensPerMinute / pace.share;
    // A request larger than the whole budget waits for a full bucket, then goes: the upstream judges it.
    const need = Math.min(tokens, tpm);
    const have = level(pace.tokenLevel, tpm, elapsed);
    if (have + EPSILON < need) wait = Math.max(wait, ((need - have) * MINUTE_MS) / tpm);
  }
  return wait > 0 ? Math.max(1, Math.ceil(wait)) : 0;
}

function spendConfigured(pace: OriginPace, t: number, tokens: number, c: Configured): void {
  const elapsed = t - pace.levelAt;
  if (c.requestsPerMinute !== undefined) {
    pace.requestLevel = level(pace.requestLevel, c.requestsPerMinute / pace.share, elapsed) - 1;
  }
  if (c.tokensPerMinute !== undefined) {
    const tpm = c.tokensPerMinute / pace.share;
    pace.tokenLevel = level(pace.tokenLevel, tpm, elapsed) - Math.min(tokens, tpm);
  }
  pace.levelAt = Math.max(pace.levelAt, t);
}

const MAX_LIMITS_PER_ORIGIN = 32;
/** Float slack when comparing a refill estimate with a whole number of requests. */
const EPSILON = 1e-9;

/** Units of an announced limit available at `t`, as far as its last report lets us know. */
function estimate(b: KnownLimit, t: number, continuous: boolean): number {
  if (b.resetAt !== undefined && t >= b.resetAt) {
    return b.limit !== undefined ? b.limit : Number.POSITIVE_INFINITY;
  }
  if (
    continuous &&
    b.refill === 'bucket' &&
    b.countsRequests &&
    b.limit !== undefined &&
    b.limit > b.remaining &&
    b.resetAt !== undefined &&
    b.resetAt > b.observedAt
  ) {
    // OpenAI and Anthropic say they refill continuously and report the time until full.
    const elapsed = Math.max(0, t - b.observedAt);
    return b.remaining + ((b.limit - b.remaining) * elapsed) / (b.resetAt - b.observedAt);
  }
  return b.remaining;
}

/** Milliseconds until one more request fits this limit: 0, a delay, or Infinity (answers in flight decide). */
function limitWait(
  b: KnownLimit,
  t: number,
  inFlight: number,
  continuous: boolean,
  share: number,
): number {
  // A request spends one unit of a request limit. What it spends of a token limit is unknown
  // until two answers in a row showed it; until then only a spent limit (nothing left) holds.
  const unit = b.countsRequests ? 1 : b.cost;
  // Keeping to a 1/share part of what is left: what this instance has in flight, and this
  // request, times the instances that spend the same budget.
  const need = (unit === undefined ? 1 : (inFlight + 1) * unit) * share;
  if (estimate(b, t, continuous) + EPSILON >= need) return 0;
  const waitForAnswers = unit !== undefined && inFlight > 0 ? Number.POSITIVE_INFINITY : 0;
  // No reset to wait for: hold only while answers in flight can bring news, else let it go.
  if (b.resetAt === undefined || t >= b.resetAt) return waitForAnswers;
  // Even a whole limit will not fit: wait for answers in flight, or let the upstream judge a
  // request that alone is larger than the limit rather than hold it forever.
  if (b.limit !== undefined && b.limit + EPSILON < need) return waitForAnswers;
  if (
    continuous &&
    b.countsRequests &&
    b.refill === 'bucket' &&
    b.limit !== undefined &&
    b.limit > b.remaining &&
    b.resetAt > b.observedAt
  ) {
    const at =
      b.observedAt + ((need - b.remaining) / (b.limit - b.remaining)) * (b.resetAt - b.observedAt);
    return Math.min(b.resetAt - t, Math.max(1, Math.ceil(at - t)));
  }
  return b.resetAt - t;
}

function paceWait(
  pace: OriginPace,
  t: number,
  continuous: boolean,
  tokens: number,
  configured: Configured,
): number {
  let wait = pace.blockedUntil > t ? pace.blockedUntil - t : 0;
  wait = Math.max(wait, configuredWait(pace, t, tokens, configured));
  for (const b of pace.limits.values()) {
    wait = Math.max(wait, limitWait(b, t, pace.inFlight, continuous, pace.share));
  }
  return wait;
}

function knownLimit(
  o: ObservedLimit,
  t: number,
  seq: number,
  cost: number | undefined,
): KnownLimit {
  return {
    cost,
    limit: o.limit,
    remaining: o.remaining,
    observedAt: t,
    resetAt: o.resetMs !== undefined ? t + o.resetMs : undefined,
    refill: o.refill,
    countsRequests: o.countsRequests,
    seq,
  };
}

interface Described {
  readonly origin: string;
  readonly key: string | undefined;
  readonly signal: AbortSignal | undefined;
}

const KEY_HEADERS = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'] as const;

function headerOf(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const getter = (headers as { get?: unknown }).get;
  if (typeof getter === 'function') {
    const v: unknown = getter.call(headers, name);
    return typeof v === 'string' ? v : undefined;
  }
  if (Array.isArray(headers)) {
    for (const pair of headers) {
      if (
        Array.isArray(pair) &&
        String(pair[0]).toLowerCase() === name &&
        typeof pair[1] === 'string'
      )
        return pair[1];
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name && typeof v === 'string') return v;
  }
  return undefined;
}

/** Origin, credential and signal of a fetch call, whatever shape its arguments take. */
function describe(input: unknown, init: RequestInit | undefined): Described {
  let url = '';
  let requestHeaders: unknown;
  let requestSignal: unknown;
  try {
    if (typeof input === 'string') url = input;
    else if (typeof input === 'object' && input !== null) {
      const r = input as { url?: unknown; href?: unknown; headers?: unknown; signal?: unknown };
      if (typeof r.url === 'string') {
        url = r.url;
        requestHeaders = r.headers;
        requestSignal = r.signal;
      } else if (typeof r.href === 'string') url = r.href;
    }
  } catch {
    // A hostile input object: pace it under the empty origin.
  }
  let origin = '';
  let queryKey: string | undefined;
  try {
    const parsed = new URL(url);
    origin = parsed.origin;
    // Gemini takes the key in the query string.
    queryKey = parsed.searchParams.get('key') ?? undefined;
  } catch {
    origin = '';
  }
  let key: string | undefined;
  try {
    for (const name of KEY_HEADERS) {
      key = headerOf(init?.headers, name) ?? headerOf(requestHeaders, name);
      if (key !== undefined && key.length > 0) break;
    }
  } catch {
    key = undefined;
  }
  let signal: AbortSignal | undefined;
  try {
    const s: unknown = init?.signal ?? requestSignal;
    signal = isAbortSignal(s) ? s : undefined;
  } catch {
    signal = undefined;
  }
  return { origin, key: key !== undefined && key.length > 0 ? key : queryKey, signal };
}

function localRateLimitResponse(waitMs: number | undefined, maxWaitMs: number): Response {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-should-retry': 'false',
    'x-four29-paced': 'over-max-wait',
  };
  const when =
    waitMs !== undefined
      ? `resets in ${Math.ceil(waitMs / 1000)}s`
      : 'has not been released by the answers in flight';
  if (waitMs !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1000)));
    headers['retry-after-ms'] = String(Math.ceil(waitMs));
  }
  const message = `Not sent by four29 paced fetch: the upstream rate-limit budget for this key is spent and ${when}, beyond maxWaitMs (${maxWaitMs} ms).`;
  // One body both SDKs read as their own 429: OpenAI takes `error`, Anthropic takes the whole body.
  const body = {
    type: 'error',
    error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message },
  };
  return new Response(JSON.stringify(body), { status: 429, headers });
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * A `fetch` that paces requests by the rate-limit budget the upstream reports on every response.
 * When a budget is spent it holds new requests until the upstream said it resets, instead of
 * sending them into a 429; request budgets are reserved for requests in flight, so concurrent
 * callers cannot all spend the last unit. State is per origin and per API key (a digest of the
 * `Authorization`, `x-api-key`, `api-key` or `x-goog-api-key` header). Pacing starts with the first
 * response: until the upstream has reported a budget, requests go out unhindered.
 *
 * `new OpenAI({ fetch: createPacedFetch() })`, `new Anthropic({ fetch: createPacedFetch() })`.
 */
const PACED_FETCH_OPTIONS: Readonly<Record<keyof PacedFetchOptions, OptionRule>> = {
  fetch: { type: 'function' },
  maxWaitMs: { type: 'number', min: 0 },
  overMaxWait: { type: 'oneOf', values: ['respond-429', 'send'] },
  refill: { type: 'oneOf', values: ['at-reset', 'continuous'] },
  maxEntries: { type: 'number', min: 1 },
  onHold: { type: 'function' },
  requestsPerMinute: { type: 'number', min: 0, above: true },
  tokensPerMinute: { type: 'number', min: 0, above: true },
  estimateTokens: { type: 'function' },
  store: { type: 'object' },
  storeTimeoutMs: { type: 'number', min: 0 },
  storePollMs: { type: 'number', min: 1 },
  storeLeaseMs: { type: 'number', min: 1 },
  logger: { type: 'logger' },
  now: { type: 'function' },
};

export function createPacedFetch(input: PacedFetchOptions = {}): PacedFetch {
  const options = checkOptions<PacedFetchOptions>('createPacedFetch', input, PACED_FETCH_OPTIONS);
  const now = clockOption(options.now);
  const maxWaitMs = Math.min(numberOption(options.maxWaitMs, 60_000), MAX_TIMER_MS);
  const sendOverMax = options.overMaxWait === 'send';
  const continuous = options.refill === 'continuous';
  const maxEntries = countOption(options.maxEntries, 1000);
  const configured: Configured = {
    requestsPerMinute: positive(options.requestsPerMinute),
    tokensPerMinute: positive(options.tokensPerMinute),
  };
  const store = options.store;
  const guard =
    store !== undefined
      ? createStoreGuard(store, {
          timeoutMs: options.storeTimeoutMs,
          logger: options.logger,
          now,
          helper: 'paced-fetch',
        })
      : undefined;
  const pollMs = numberOption(options.storePollMs, 25, 1);
  const leaseMs = numberOption(options.storeLeaseMs, 120_000, 1);
  const countTokens =
    configured.tokensPerMinute !== undefined ||
    store !== undefined ||
    typeof options.estimateTokens === 'function';
  const paces = new Map<string, OriginPace>();
  // Random, never derived from the key: lets the store count the instances sharing a budget.
  const instance = Math.random().toString(36).slice(2, 14);
  let sent = 0;
  let sharedHeld = 0;
  let reservations = 0;

  function paceFor(id: string, origin: string): OriginPace {
    let pace = paces.get(id);
    if (pace !== undefined) {
      paces.delete(id);
      paces.set(id, pace);
      return pace;
    }
    pace = {
      origin,
      limits: new Map(),
      blockedUntil: 0,
      inFlight: 0,
      queue: [],
      timer: undefined,
      requestLevel: configured.requestsPerMinute ?? 0,
      tokenLevel: configured.tokensPerMinute ?? 0,
      levelAt: now(),
      share: 1,
    };
    paces.set(id, pace);
    if (paces.size > maxEntries) {
      // Forget the least recently used idle pace; if none is idle, the oldest one: its callers
      // keep their reference, so they finish normally, only the shared state is lost.
      let victim: string | undefined;
      for (const [k, b] of paces) {
        if (b.queue.length === 0 && b.inFlight === 0) {
          victim = k;
          break;
        }
      }
      paces.delete(victim ?? (paces.keys().next().value as string));
    }
    return pace;
  }

  function pump(pace: OriginPace): void {
    if (pace.timer !== undefined) clearTimeout(pace.timer);
    pace.timer = undefined;
    const t = now();
    while (pace.queue.length > 0) {
      const wait = paceWait(pace, t, continuous, (pace.queue[0] as Waiter).tokens, configured);
      if (wait <= 0) {
        const head = pace.queue.shift() as Waiter;
        head.detach();
        pace.inFlight++;
        spendConfigured(pace, t, head.tokens, configured);
        head.settle({ go: true });
        continue;
      }
      // Fail fast whoever cannot be served within their deadline; everyone waits at least `wait`.
      const late = pace.queue.filter((w) =>
        wait === Number.POSITIVE_INFINITY ? t >= w.deadline : t + wait > w.deadline,
      );
      if (late.length === 0) {
        let next = wait;
        for (const w of pace.queue) next = Math.min(next, w.deadline - t);
        pace.timer = setTimeout(
          () => pump(pace),
          Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(next))),
        );
        return;
      }
      for (const w of late) {
        pace.queue.splice(pace.queue.indexOf(w), 1);
        w.detach();
        if (sendOverMax) {
          pace.inFlight++;
          spendConfigured(pace, t, w.tokens, configured);
          w.settle({ go: true });
        } else {
          w.settle({ go: false, waitMs: wait === Number.POSITIVE_INFINITY ? undefined : wait });
        }
      }
    }
  }

  function admit(
    pace: OriginPace,
    signal: AbortSignal | undefined,
    tokens: number,
  ): Promise<Admission> | Admission {
    const t = now();
    if (pace.queue.length === 0 && paceWait(pace, t, continuous, tokens, configured) <= 0) {
      pace.inFlight++;
      spendConfigured(pace, t, tokens, configured);
      return { go: true };
    }
    return new Promise<Admission>((resolve, reject) => {
      const onAbort = () => {
        const i = pace.queue.indexOf(waiter);
        if (i !== -1) pace.queue.splice(i, 1);
        reject(abortReason(signal as AbortSignal));
        pump(pace);
      };
      const waiter: Waiter = {
        deadline: t + maxWaitMs,
        tokens,
        settle: resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      pace.queue.push(waiter);
      const wait = paceWait(pace, t, continuous, tokens, configured);
      callHook(options.onHold, {
        origin: pace.origin,
        waitMs: wait === Number.POSITIVE_INFINITY ? undefined : wait,
        queued: pace.queue.length,
      });
      pump(pace);
    });
  }

  /** Updates the pace from an answer; returns what it read, for the store. */
  function observe(
    pace: OriginPace,
    res: Response,
    seq: number,
  ): { observed: ObservedLimit[]; blockedUntil: number | undefined; t: number } | undefined {
    const t = now();
    let headers: Headers;
    let status: number;
    try {
      headers = res.headers;
      status = res.status;
      if (typeof headers?.get !== 'function') return undefined;
    } catch {
      return undefined;
    }
    const observed = readAnnouncedLimits(headers, t);
    let blockedUntil: number | undefined;
    for (const o of observed) {
      const current = pace.limits.get(o.name);
      let cost = current?.cost;
      if (
        current !== undefined &&
        !o.countsRequests &&
        seq > current.seq &&
        o.remaining < current.remaining &&
        (current.resetAt === undefined || t < current.resetAt)
      ) {
        // Answers in between (concurrency) make this an overestimate: the safe side.
        cost = current.remaining - o.remaining;
      }
      const next = knownLimit(o, t, seq, cost);
      if (current === undefined) {
        if (pace.limits.size < MAX_LIMITS_PER_ORIGIN) pace.limits.set(o.name, next);
        continue;
      }
      // Answers arrive in another order than the upstream counted them: see SAME_WINDOW_MS.
      const kept = newerReport(
        current,
        next,
        !(continuous && next.refill === 'bucket'),
        () => estimate(next, t, continuous) < estimate(current, t, continuous),
      );
      if (kept !== current) pace.limits.set(o.name, kept);
    }
    // 429s, 503s and GitHub's secondary-limit 403s say how long to stay away; so does any error
    // status that carries Retry-After.
    if (status >= 400) {
      const retryAfter = readRetryAfter(headers, t);
      if (retryAfter !== undefined) {
        blockedUntil = t + retryAfter;
        pace.blockedUntil = Math.max(pace.blockedUntil, blockedUntil);
      }
    }
    return { observed, blockedUntil, t };
  }

  function tokensOf(input: string | URL | Request, init: RequestInit | undefined): number {
    if (!countTokens) return 0;
    if (typeof options.estimateTokens === 'function') {
      try {
        const n: unknown = options.estimateTokens(input, init);
        return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.ceil(n) : 0;
      } catch {
        return 0;
      }
    }
    return estimateTokens(init);
  }

  /**
   * Admission through the store: asks it until the request fits, the hold would outlast
   * `maxWaitMs`, or the store fails (FAILED: in-process state decides).
   */
  async function sharedAdmit(
    s: PacingStore,
    g: NonNullable<typeof guard>,
    sid: string,
    pace: OriginPace,
    tokens: number,
    signal: AbortSignal | undefined,
  ): Promise<{ d: PaceDecision; reservation: string } | typeof FAILED> {
    const deadline = now() + maxWaitMs;
    const reservation = `${now().toString(36)}.${Math.random().toString(36).slice(2, 10)}.${++reservations}`;
    const request = { tokens, leaseMs, reservation, instance, ...configured };
    let held = false;
    try {
      for (;;) {
        const d = await g.call(() => s.paceAcquire(sid, now(), request));
        if (d === FAILED) {
          // A slow store may still make the reservation after we stopped waiting: undo it then.
          void g.call(() => s.paceRelease(sid, now(), reservation, undefined));
          return FAILED;
        }
        // Kept for an outage: in-process state then spends only this instance's share.
        if (typeof d.peers === 'number' && d.peers >= 1) pace.share = Math.min(d.peers, 1000);
        if (d.go) return { d, reservation };
        const t = now();
        if (d.waitMs === undefined ? t >= deadline : t + d.waitMs > deadline) {
          return { d, reservation };
        }
        if (!held) {
          held = true;
          callHook(options.onHold, {
            origin: pace.origin,
            waitMs: d.waitMs,
            queued: ++sharedHeld,
          });
        }
        // Spread the fleet's retries after a reset a little, so they do not all ask at once.
        const sleep = d.waitMs === undefined ? pollMs : d.waitMs + Math.random() * pollMs;
        await abortableSleep(Math.max(1, Math.min(sleep, deadline - t, MAX_TIMER_MS)), signal);
      }
    } finally {
      if (held) sharedHeld--;
    }
  }

  function toShared(observed: readonly ObservedLimit[], t: number): SharedBudget[] {
    return observed.map((o) => ({
      name: o.name,
      remaining: o.remaining,
      limit: o.limit,
      resetAt: o.resetMs !== undefined ? t + o.resetMs : undefined,
      countsRequests: o.countsRequests,
    }));
  }

  async function sendShared(
    s: PacingStore,
    g: NonNullable<typeof guard>,
    sid: string,
    pace: OriginPace,
    reservation: string | undefined,
    seq: number,
    input: string | URL | Request,
    init: RequestInit | undefined,
  ): Promise<Response> {
    const send = typeof options.fetch === 'function' ? options.fetch : globalThis.fetch;
    // Counted here too, so in-process state is right if the store fails later.
    pace.inFlight++;
    let res: Response;
    try {
      res = await send(input, init);
    } catch (error) {
      pace.inFlight--;
      pump(pace);
      if (reservation !== undefined)
        void g.call(() => s.paceRelease(sid, now(), reservation, undefined));
      throw error;
    }
    pace.inFlight--;
    let seen: ReturnType<typeof observe>;
    try {
      seen = observe(pace, res, ++sent);
    } catch {
      seen = undefined;
    }
    pump(pace);
    if (reservation !== undefined) {
      const report =
        seen !== undefined
          ? { seq, budgets: toShared(seen.observed, seen.t), blockedUntil: seen.blockedUntil }
          : undefined;
      // Not awaited: the answer is the caller's now; the guard never rejects.
      void g.call(() => s.paceRelease(sid, now(), reservation, report));
    }
    return res;
  }

  return async function pacedFetch(input, init) {
    const { origin, key, signal } = describe(input, init);
    if (signal?.aborted) throw abortReason(signal);
    const digest = key !== undefined ? await hashKey(key) : '';
    const id = `${origin}\u0000${digest}`;
    if (signal?.aborted) throw abortReason(signal);
    const pace = paceFor(id, origin);
    const tokens = tokensOf(input, init);
    if (store !== undefined && guard?.available() === true) {
      const sid = `${origin}/${digest}`;
      const shared = await sharedAdmit(store, guard, sid, pace, tokens, signal);
      if (shared !== FAILED) {
        const { d, reservation } = shared;
        if (signal?.aborted) {
          // Aborted while the store was deciding: give the slot back, send nothing.
          if (d.go) void guard.call(() => store.paceRelease(sid, now(), reservation, undefined));
          throw abortReason(signal);
        }
        if (d.go) return sendShared(store, guard, sid, pace, reservation, d.seq, input, init);
        if (!sendOverMax) return localRateLimitResponse(d.waitMs, maxWaitMs);
        return sendShared(store, guard, sid, pace, undefined, 0, input, init);
      }
    }
    const admission = await admit(pace, signal, tokens);
    if (!admission.go) return localRateLimitResponse(admission.waitMs, maxWaitMs);
    const send = typeof options.fetch === 'function' ? options.fetch : globalThis.fetch;
    const seq = ++sent;
    let res: Response;
    try {
      res = await send(input, init);
    } catch (error) {
      pace.inFlight--;
      pump(pace);
      throw error;
    }
    pace.inFlight--;
    try {
      observe(pace, res, seq);
    } catch {
      // Pacing is best effort: a response we cannot read is still the caller's response.
    }
    pump(pace);
    return res;
  };
}
