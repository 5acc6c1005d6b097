/**
 * Header normalization and the parsers for every retry and rate-limit header format four29 knows.
 * Exported from `@four29/core` because pacing code needs the same parsing.
 */

import { epochMs } from '../options.js';
import type { LimitDimension, LimitWindow } from '../types.js';
import { get, hasOwn, isArray, isObjectLike } from './safe.js';

/** Header sets beyond this are cut: real responses carry a few dozen headers. */
export const MAX_HEADERS = 256;
const MAX_HEADER_VALUE = 4096;
const MAX_HEADER_NAME = 256;

/**
 * Upper bound for any retry delay four29 reports: 30 days. Beyond that a value is a unit mistake
 * (an epoch sent as a delay, milliseconds sent as seconds) or hostile, and is treated as absent.
 */
export const MAX_RETRY_DELAY_MS = 30 * 24 * 60 * 60 * 1000;

export type HeaderMap = ReadonlyMap<string, string>;

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value.slice(0, MAX_HEADER_VALUE);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (isArray(value)) {
    // Node's IncomingHttpHeaders and some clients keep repeated headers as arrays.
    const parts: string[] = [];
    const length = Math.min(Number(get(value, 'length')) || 0, 16);
    for (let i = 0; i < length; i++) {
      const part = get(value, i);
      if (typeof part === 'string' || typeof part === 'number') parts.push(String(part));
    }
    return parts.length > 0 ? parts.join(', ').slice(0, MAX_HEADER_VALUE) : undefined;
  }
  return undefined;
}

/**
 * Any header container as a lower-case `Map`: a `Headers` instance (from any realm), a `Map`, a
 * plain object in any letter case (openai v4's proxy, axios' `AxiosHeaders`, Node's
 * `IncomingHttpHeaders`), values as strings, numbers or arrays. Reads at most {@link MAX_HEADERS}
 * entries and never throws; the first of two keys differing only in case wins.
 */
export function normalizeHeaders(input: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!isObjectLike(input)) return out;
  const add = (key: unknown, value: unknown): void => {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_HEADER_NAME) return;
    const name = key.toLowerCase();
    if (out.has(name)) return;
    const v = headerValue(value);
    if (v !== undefined) out.set(name, v);
  };
  try {
    const entries = get(input, 'entries');
    if (typeof entries === 'function') {
      const iterator: unknown = entries.call(input);
      const next = get(iterator, 'next');
      if (typeof next !== 'function') return out;
      for (let i = 0; i < MAX_HEADERS; i++) {
        const step: unknown = next.call(iterator);
        if (!isObjectLike(step) || get(step, 'done') === true) break;
        const pair = get(step, 'value');
        add(get(pair, 0), get(pair, 1));
      }
      return out;
    }
    let seen = 0;
    for (const key in input) {
      if (++seen > MAX_HEADERS) break;
      if (hasOwn(input, key)) add(key, get(input, key));
    }
  } catch {
    // A throwing iterator or Proxy leaves whatever was read so far.
  }
  return out;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const DURATION_PART = '(?:\\d+(?:\\.\\d+)?|\\.\\d+)(?:ns|us|µs|μs|ms|s|m|h)';
const DURATION_RE = /* @__PURE__ */ new RegExp(`^(?:${DURATION_PART})+$`);
const DURATION_PART_RE = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

function finiteNonNegative(n: number): number | undefined {
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * A Go-style duration (`1s`, `6m0s`, `12ms`, `1.146s`, `23h47m36.648s`, Groq's `2m59.56s`) or a
 * protobuf Duration (`47s`, `47.884s`) in milliseconds, possibly fractional. A bare number has no
 * unit and is not a duration (callers decide whether it means seconds), except `0`.
 */
export function parseDurationMs(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const s = text.trim();
  if (s.length === 0 || s.length > 64) return undefined;
  if (s === '0') return 0;
  if (!DURATION_RE.test(s)) return undefined;
  let total = 0;
  // Sticky, from 0: DURATION_RE has just checked the parts tile the whole string.
  DURATION_PART_RE.lastIndex = 0;
  for (let m = DURATION_PART_RE.exec(s); m !== null; m = DURATION_PART_RE.exec(s)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? Number.NaN);
  }
  return finiteNonNegative(total);
}

const DELAY_SECONDS_RE = /^\d{1,15}(?:\.\d{1,9})?$/;
// RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms recipients must accept.
const HTTP_DATE_RES: readonly RegExp[] = [
  /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];
const RFC3339_RE =
  /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 9110 HTTP-date, or undefined. `Date.parse` alone accepts far too much ("2026"). */
export function parseHttpDate(text: string): number | undefined {
  const s = text.trim();
  if (s.length > 40 || !HTTP_DATE_RES.some((re) => re.test(s))) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

/** Epoch ms of an RFC 3339 timestamp (Anthropic's reset headers), or undefined. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339_RE.exec(text.trim());
  if (m === null) return undefined;
  // Date.parse is only specified for millisecond precision: cut longer fractions first.
  const fraction = m[3] !== undefined ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : '';
  const zone = m[4] === 'z' ? 'Z' : m[4];
  const t = Date.parse(`${m[1]}T${m[2]}${fraction}${zone}`);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * `Retry-After` (RFC 9110): delay-seconds or an HTTP-date, as a delay in ms from `now` (epoch ms,
 * default `Date.now()`). A date in the past means "now" (0). Anything else is undefined. Fractional
 * seconds are accepted because some servers send them.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (DELAY_SECONDS_RE.test(s)) return finiteNonNegative(Number(s) * 1000);
  const t = parseHttpDate(s);
  if (t === undefined) return undefined;
  // A NaN or infinite clock from the caller would turn every date into NaN or 0.
  return Math.max(0, t - epochMs(now));
}

/** `retry-after-ms` (openai-node and Azure): a plain number of milliseconds. */
export function parseRetryAfterMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  return DELAY_SECONDS_RE.test(s) ? finiteNonNegative(Number(s)) : undefined;
}

/**
 * A rate-limit reset value as a delay in ms from `now`. Providers disagree on the unit, so:
 * - Go durations (`6m0s`, OpenAI, Groq) are durations;
 * - RFC 3339 (Anthropic) and HTTP-dates are absolute;
 * - bare numbers: ≥ 1e12 is epoch milliseconds (OpenRouter), ≥ 1e9 is epoch seconds (GitHub),
 *   smaller is delta seconds (Azure `x-rate-limit-reset-tokens`, IETF drafts). A delta of 1e9 s
 *   would be 31 years, so the ranges cannot collide.
 * A reset in the past means "now" (0).
 */
export function parseResetMs(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (s.length === 0 || s.length > 64) return undefined;
  if (DELAY_SECONDS_RE.test(s)) {
    const n = Number(s);
    if (!Number.isFinite(n)) return undefined;
    if (n >= 1e12) return Math.max(0, n - now);
    if (n >= 1e9) return Math.max(0, n * 1000 - now);
    return n * 1000;
  }
  const duration = parseDurationMs(s);
  if (duration !== undefined) return duration;
  const absolute = parseRfc3339(s) ?? parseHttpDate(s);
  return absolute === undefined ? undefined : Math.max(0, absolute - now);
}

/** A usable delay: finite, non-negative, at most {@link MAX_RETRY_DELAY_MS}; else undefined. */
export function saneDelay(ms: number | undefined): number | undefined {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > MAX_RETRY_DELAY_MS)
    return undefined;
  return ms;
}

/** One rate limit as response headers announce it. */
export interface AnnouncedLimit {
  /** `requests`, `tokens`, `input_tokens`, …; absent for unsuffixed headers (GitHub, IETF). */
  readonly dimension?: LimitDimension;
  readonly window?: LimitWindow;
  readonly limit?: number;
  readonly remaining?: number;
  readonly used?: number;
  /** Delay until the limit resets, ms from `now`. */
  readonly resetAfterMs?: number;
  /** IETF policy name (`"burst"`), when the headers named one. */
  readonly policy?: string;
}

export interface RateLimitHeaders {
  /** From `retry-after-ms`, else `retry-after`; absent when neither is usable. */
  readonly retryAfterMs?: number;
  readonly limits: readonly AnnouncedLimit[];
}

interface MutableLimit {
  dimension?: LimitDimension;
  window?: LimitWindow;
  limit?: number;
  remaining?: number;
  used?: number;
  resetAfterMs?: number;
  policy?: string;
}

// Leading integer: draft IETF `RateLimit-Limit: 100, 100;w=60` carries a policy after the comma.
const COUNT_RE = /^\s*(\d{1,15})(?:\.\d+)?\s*(?:[,;]|$)/;
const PLAIN_COUNT_RE = /^\d{1,15}$/;
const FAMILY_RE = /^[a-z][a-z0-9_-]*$/;

function count(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Most values are bare integers: no match array to build.
  if (PLAIN_COUNT_RE.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const m = COUNT_RE.exec(value);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

function familyDimension(family: string): LimitDimension | undefined {
  const f = family.toLowerCase();
  if (f.length === 0 || f.length > 40 || !FAMILY_RE.test(f)) return undefined;
  return f.includes('-') ? f.replaceAll('-', '_') : f;
}

/** Window from an IETF `w` parameter (seconds), only for the exact lengths the names mean. */
export function windowFromSeconds(seconds: number | undefined): LimitWindow | undefined {
  switch (seconds) {
    case 1:
      return 'second';
    case 60:
      return 'minute';
    case 3600:
      return 'hour';
    case 86400:
      return 'day';
    default:
      return undefined;
  }
}

interface SfItem {
  readonly name: string;
  readonly params: ReadonlyMap<string, string>;
}

/** A small RFC 9651 list parser for what the ratelimit draft sends: `"name";k=v;k=v, …`. */
function parseSfList(value: string): SfItem[] {
  const items: SfItem[] = [];
  for (const raw of value.split(',').slice(0, 16)) {
    const parts = raw.split(';').map((p) => p.trim());
    const head = parts[0] ?? '';
    const name = head.replace(/^"(.*)"$/, '$1');
    const params = new Map<string, string>();
    for (const p of parts.slice(1, 16)) {
      const eq = p.indexOf('=');
      if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
    }
    items.push({ name, params });
  }
  return items;
}

function ietfLimits(headers: HeaderMap): MutableLimit[] {
  const ratelimit = headers.get('ratelimit');
  if (ratelimit === undefined) return [];
  const items = parseSfList(ratelimit);
  // Draft -07/-08 dictionary form: `RateLimit: limit=100, remaining=0, reset=30`.
  const dict = new Map<string, string>();
  for (const item of items) {
    const eq = item.name.indexOf('=');
    if (eq > 0) dict.set(item.name.slice(0, eq).trim().toLowerCase(), item.name.slice(eq + 1));
  }
  if (dict.has('remaining') || dict.has('reset') || dict.has('limit')) {
    const b: MutableLimit = {};
    const limit = count(dict.get('limit'));
    const remaining = count(dict.get('remaining'));
    const reset = count(dict.get('reset'));
    if (limit !== undefined) b.limit = limit;
    if (remaining !== undefined) b.remaining = remaining;
    if (reset !== undefined) b.resetAfterMs = reset * 1000;
    return [b];
  }
  const policies = new Map<string, SfItem>();
  const policyHeader = headers.get('ratelimit-policy');
  if (policyHeader !== undefined) {
    for (const p of parseSfList(policyHeader)) policies.set(p.name, p);
  }
  const out: MutableLimit[] = [];
  for (const item of items) {
    if (item.name.length === 0 || item.name.length > 64) continue;
    const b: MutableLimit = { policy: item.name };
    const remaining = count(item.params.get('r'));
    const reset = count(item.params.get('t'));
    if (remaining !== undefined) b.remaining = remaining;
    if (reset !== undefined) b.resetAfterMs = reset * 1000;
    const policy = policies.get(item.name);
    const limit = count(policy?.params.get('q'));
    if (limit !== undefined) b.limit = limit;
    const window = windowFromSeconds(count(policy?.params.get('w')));
    if (window !== undefined) b.window = window;
    out.push(b);
  }
  return out;
}

/**
 * Every rate limit a response's headers announce, in one shape:
 * - OpenAI, Groq, Azure: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets as Go
 *   durations), Azure's `x-rate-limit-reset-tokens` (integer seconds);
 * - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`
 *   (resets in RFC 3339);
 * - GitHub and many others: unsuffixed `x-ratelimit-limit|remaining|used|reset` (reset in epoch
 *   seconds);
 * - IETF drafts: `RateLimit` + `RateLimit-Policy` structured fields (-09 and later, `t` in seconds),
 *   or `RateLimit-Limit|Remaining|Reset` (≤ -06, reset in delta seconds).
 * Accepts any header container {@link normalizeHeaders} does. Never throws.
 */
export function readRateLimitHeaders(headers: unknown, now: number = Date.now()): RateLimitHeaders {
  return readRateLimitMap(normalizeHeaders(headers), epochMs(now));
}

const X_RATELIMIT_FAMILY_RE = /^x-rate-?limit-(limit|remaining|reset|used)-([a-z0-9-]+)$/;
// Mistral names the window too: x-ratelimit-limit-req-minute, x-ratelimit-remaining-tokens-month.
const MISTRAL_RATELIMIT_RE = /^x-ratelimit-(limit|remaining)-(req|tokens)-(minute|month)$/;
const ANTHROPIC_RATELIMIT_RE = /^anthropic-ratelimit-([a-z0-9-]+)-(limit|remaining|reset)$/;
const X_RATELIMIT_PLAIN_RE = /^x-rate-?limit-(limit|remaining|reset|used)$/;
const DRAFT_RATELIMIT_RE = /^ratelimit-(limit|remaining|reset)$/;

/** {@link readRateLimitHeaders} over an already normalized (lower-case) map. */
export function readRateLimitMap(map: HeaderMap, now: number): RateLimitHeaders {
  const families = new Map<string, MutableLimit>();
  const family = (key: string): MutableLimit => {
    let b = families.get(key);
    if (b === undefined) {
      b = {};
      families.set(key, b);
    }
    return b;
  };
  const apply = (b: MutableLimit, field: string, value: string): void => {
    if (field === 'reset') {
      const ms = saneDelay(parseResetMs(value, now));
      if (ms !== undefined) b.resetAfterMs = ms;
      return;
    }
    const n = count(value);
    if (n === undefined) return;
    if (field === 'limit') b.limit = n;
    else if (field === 'remaining') b.remaining = n;
    else if (field === 'used') b.used = n;
  };
  map.forEach((value, name) => {
    // Most headers are none of these: one character test each instead of four regexes.
    const first = name.charCodeAt(0);
    if (first !== 120 /* x */ && first !== 97 /* a */ && first !== 114 /* r */) return;
    let m = MISTRAL_RATELIMIT_RE.exec(name);
    if (m !== null) {
      apply(family(`w:${m[2] === 'req' ? 'requests' : 'tokens'}:${m[3]}`), m[1] ?? '', value);
      return;
    }
    m = X_RATELIMIT_FAMILY_RE.exec(name);
    if (m !== null) {
      const dim = familyDimension(m[2] ?? '');
      if (dim !== undefined) apply(family(`x:${dim}`), m[1] ?? '', value);
      return;
    }
    m = ANTHROPIC_RATELIMIT_RE.exec(name);
    if (m !== null) {
      const dim = familyDimension(m[1] ?? '');
      if (dim !== undefined) apply(family(`x:${dim}`), m[2] ?? '', value);
      return;
    }
    m = X_RATELIMIT_PLAIN_RE.exec(name);
    if (m !== null) {
      apply(family('plain'), m[1] ?? '', value);
      return;
    }
    m = DRAFT_RATELIMIT_RE.exec(name);
    if (m !== null) apply(family('draft'), m[1] ?? '', value);
  });
  const limits: AnnouncedLimit[] = [];
  for (const [key, b] of families) {
    if (key.startsWith('x:')) b.dimension = key.slice(2);
    else if (key.startsWith('w:')) {
      const [, dimension, window] = key.split(':');
      if (dimension !== undefined) b.dimension = dimension;
      if (window === 'minute' || window === 'month') b.window = window;
    }
    limits.push(b);
  }
  for (const b of ietfLimits(map)) limits.push(b);
  const retryAfterMs =
    saneDelay(parseRetryAfterMs(map.get('retry-after-ms'))) ??
    saneDelay(parseRetryAfter(map.get('retry-after'), now));
  return retryAfterMs !== undefined ? { retryAfterMs, limits } : { limits };
}
