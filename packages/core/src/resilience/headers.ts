/**
 * Rate-limit header reading for the paced fetch. Every parser returns `undefined` for anything it
 * does not recognise: a malformed header means "no information", never an exception or a NaN.
 */

/** One budget an upstream reported on a response. */
export interface BudgetObservation {
  /** Stable name within one upstream, e.g. `requests`, `input-tokens`, `ietf:burst`. */
  readonly name: string;
  readonly limit?: number;
  readonly remaining: number;
  /** Time from the response until the budget resets (window) or is full again (bucket). */
  readonly resetMs?: number;
  /**
   * `bucket`: refills continuously and `resetMs` is the time until full (OpenAI, Anthropic).
   * `window`: stays spent until `resetMs` (IETF RateLimit, GitHub).
   */
  readonly refill: 'bucket' | 'window';
  /** Each request spends one unit (requests); else the unit is tokens or bytes, unknown per request. */
  readonly countsRequests: boolean;
}

const MAX_HEADER_LENGTH = 4096;
const MAX_BUDGETS = 16;
/** Longer than any real reset (monthly windows): beyond it a value is a unit mistake or hostile. */
const MAX_RESET_MS = 35 * 24 * 3600 * 1000;

function get(headers: Headers, name: string): string | undefined {
  try {
    const v = headers.get(name);
    return v !== null && v.length <= MAX_HEADER_LENGTH ? v.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** A non-negative decimal number; `"12abc"`, `"-1"`, `"NaN"`, `""` are not. */
export function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+(?:\.\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const GO_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A Go `time.Duration` string as OpenAI sends it (`1s`, `6m0s`, `1.146s`, `23h47m36.648s`, `12ms`),
 * in milliseconds. A bare number is seconds (Azure's `x-rate-limit-reset-tokens: 55`). Negative
 * durations are rejected: a reset is never in the past.
 */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (text === undefined || text.length === 0 || text.length > 64) return undefined;
  const bare = parseNumber(text);
  if (bare !== undefined) return bare * 1000;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const m = part.exec(text);
    if (m === null) return undefined;
    total += Number(m[1]) * (GO_UNITS[m[2] ?? ''] ?? Number.NaN);
    index = part.lastIndex;
  }
  return Number.isFinite(total) ? total : undefined;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp, epoch ms. Rejects the bare numbers `Date.parse` would accept. */
export function parseRfc3339(text: string | undefined): number | undefined {
  if (text === undefined || !RFC3339.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * A reset given as a number: epoch milliseconds (OpenRouter), epoch seconds (GitHub) or delta seconds
 * (RateLimit-Reset, most others). The ranges do not overlap for dates after 2001.
 */
function numericReset(text: string | undefined, reference: number): number | undefined {
  const n = parseNumber(text);
  if (n === undefined) return undefined;
  if (n >= 1e12) return n - reference;
  if (n >= 1e9) return n * 1000 - reference;
  return n * 1000;
}

function boundedReset(ms: number | undefined): number | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RESET_MS);
}

/**
 * The server's clock at the response, from its `Date` header, so absolute resets are read against
 * the server's clock rather than ours. `Date` has whole seconds and is truncated, so the delay
 * computed from it errs long, which is the safe side.
 */
function serverNow(headers: Headers, localNow: number): number {
  const date = get(headers, 'date');
  if (date === undefined) return localNow;
  const t = Date.parse(date);
  // A wildly wrong Date (a cached response, a broken proxy) would be worse than our own clock.
  return Number.isFinite(t) && Math.abs(t - localNow) < 24 * 3600 * 1000 ? t : localNow;
}

/**
 * `retry-after-ms` (OpenAI, Azure), else `retry-after` as delay-seconds or an HTTP-date, in ms from
 * now. Undefined when absent or malformed; an HTTP-date in the past is 0.
 */
export function readRetryAfter(headers: Headers, now: number): number | undefined {
  const ms = parseNumber(get(headers, 'retry-after-ms'));
  if (ms !== undefined) return boundedReset(ms);
  const value = get(headers, 'retry-after');
  if (value === undefined || value.length === 0) return undefined;
  const seconds = parseNumber(value);
  if (seconds !== undefined) return boundedReset(seconds * 1000);
  // HTTP-date has a weekday and GMT; refuse what Date.parse would guess at ("1", "2026").
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? boundedReset(at - serverNow(headers, now)) : undefined;
}

interface Partial3 {
  limit?: number;
  remaining?: number;
  resetMs?: number;
}

function collect(
  headers: Headers,
  pattern: RegExp,
  parseReset: (value: string | undefined) => number | undefined,
): Map<string, Partial3> {
  const out = new Map<string, Partial3>();
  try {
    for (const [name, value] of headers) {
      const m = pattern.exec(name);
      if (m === null || value.length > MAX_HEADER_LENGTH) continue;
      const dim = m.groups?.dim;
      const field = m.groups?.field;
      if (dim === undefined || field === undefined) continue;
      let entry = out.get(dim);
      if (entry === undefined) {
        if (out.size >= MAX_BUDGETS) continue;
        entry = {};
        out.set(dim, entry);
      }
      const v = value.trim();
      if (field === 'limit') {
        const n = parseNumber(v);
        if (n !== undefined) entry.limit = n;
      } else if (field === 'remaining') {
        const n = parseNumber(v);
        if (n !== undefined) entry.remaining = n;
      } else {
        const r = boundedReset(parseReset(v));
        if (r !== undefined) entry.resetMs = r;
      }
    }
  } catch {
    // A Headers-like object that throws while iterating gives what was read so far.
  }
  return out;
}

function push(
  out: BudgetObservation[],
  name: string,
  p: Partial3,
  refill: 'bucket' | 'window',
  countsRequests: boolean,
): void {
  if (p.remaining === undefined || out.length >= MAX_BUDGETS) return;
  const o: { -readonly [K in keyof BudgetObservation]: BudgetObservation[K] } = {
    name,
    remaining: p.remaining,
    refill,
    countsRequests,
  };
  if (p.limit !== undefined) o.limit = p.limit;
  if (p.resetMs !== undefined) o.resetMs = p.resetMs;
  out.push(o);
}

interface SfItem {
  readonly name: string;
  readonly params: ReadonlyMap<string, string>;
}

/**
 * A lenient reader for the structured-field lists in `RateLimit` / `RateLimit-Policy`
 * (`"burst";r=0;t=30, "daily";r=50;t=3600`). Commas inside quoted strings are respected.
 */
function parseSfList(text: string): SfItem[] {
  const members: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      members.push(current);
      current = '';
      if (members.length > MAX_BUDGETS) break;
    } else current += ch;
  }
  members.push(current);
  const items: SfItem[] = [];
  for (const member of members.slice(0, MAX_BUDGETS)) {
    const [head = '', ...rest] = member.split(';');
    const name = head.trim().replace(/^"(.*)"$/, '$1');
    const params = new Map<string, string>();
    for (const p of rest) {
      const eq = p.indexOf('=');
      const key = (eq === -1 ? p : p.slice(0, eq)).trim().toLowerCase();
      const value =
        eq === -1
          ? ''
          : p
              .slice(eq + 1)
              .trim()
              .replace(/^"(.*)"$/, '$1');
      if (key.length > 0) params.set(key, value);
    }
    items.push({ name, params });
  }
  return items;
}

function readIetf(headers: Headers, out: BudgetObservation[]): void {
  const rateLimit = get(headers, 'ratelimit');
  if (rateLimit !== undefined && rateLimit.length > 0) {
    const items = parseSfList(rateLimit);
    // Drafts 07-08: one dictionary, `limit=100, remaining=50, reset=30`.
    const dict = new Map<string, string>();
    for (const item of items) {
      const eq = item.name.indexOf('=');
      if (eq !== -1)
        dict.set(item.name.slice(0, eq).trim().toLowerCase(), item.name.slice(eq + 1).trim());
    }
    if (dict.has('remaining')) {
      const p: Partial3 = {};
      const limit = parseNumber(dict.get('limit'));
      const remaining = parseNumber(dict.get('remaining'));
      const reset = parseNumber(dict.get('reset'));
      if (limit !== undefined) p.limit = limit;
      if (remaining !== undefined) p.remaining = remaining;
      if (reset !== undefined) p.resetMs = Math.min(reset * 1000, MAX_RESET_MS);
      push(out, 'ietf', p, 'window', true);
      return;
    }
    // Draft 09 and later: `"policy";r=<remaining>;t=<seconds>`, quotas in `RateLimit-Policy`.
    const policies = new Map<string, SfItem>();
    const policyHeader = get(headers, 'ratelimit-policy');
    if (policyHeader !== undefined) {
      for (const item of parseSfList(policyHeader)) policies.set(item.name, item);
    }
    for (const item of items) {
      if (item.name.length === 0) continue;
      const p: Partial3 = {};
      const remaining = parseNumber(item.params.get('r'));
      const reset = parseNumber(item.params.get('t'));
      const policy = policies.get(item.name);
      const quota = parseNumber(policy?.params.get('q'));
      if (remaining !== undefined) p.remaining = remaining;
      if (reset !== undefined) p.resetMs = Math.min(reset * 1000, MAX_RESET_MS);
      if (quota !== undefined) p.limit = quota;
      const unit = policy?.params.get('qu') ?? 'requests';
      // Concurrency quotas are not time budgets: a slot frees when a response ends, not at a reset.
      if (unit === 'concurrent-requests') continue;
      push(out, `ietf:${item.name.slice(0, 64)}`, p, 'window', unit === 'requests');
    }
    return;
  }
  // Drafts up to 06: separate headers, reset in delta seconds.
  const remaining = parseNumber(get(headers, 'ratelimit-remaining'));
  if (remaining === undefined) return;
  const p: Partial3 = { remaining };
  const limit = parseNumber(get(headers, 'ratelimit-limit'));
  const reset = parseNumber(get(headers, 'ratelimit-reset'));
  if (limit !== undefined) p.limit = limit;
  if (reset !== undefined) p.resetMs = Math.min(reset * 1000, MAX_RESET_MS);
  push(out, 'ietf', p, 'window', true);
}

/**
 * Every budget a response reports: OpenAI/Azure `x-ratelimit-{limit,remaining,reset}-<dim>` (Go
 * durations), Anthropic `anthropic-ratelimit-<dim>-{limit,remaining,reset}` (RFC 3339), IETF
 * `RateLimit`/`RateLimit-Policy` (all drafts), and GitHub-style `x-ratelimit-{limit,remaining,reset}`.
 */
export function readBudgets(headers: Headers, now: number): BudgetObservation[] {
  const out: BudgetObservation[] = [];
  const server = serverNow(headers, now);

  const openai = collect(
    headers,
    /^x-ratelimit-(?<field>limit|remaining|reset)-(?<dim>[a-z0-9_-]{1,40})$/,
    parseGoDuration,
  );
  // Azure sometimes sends only `x-rate-limit-reset-tokens` (integer seconds).
  const azureReset = parseGoDuration(get(headers, 'x-rate-limit-reset-tokens'));
  const tokens = openai.get('tokens');
  if (azureReset !== undefined && tokens !== undefined && tokens.resetMs === undefined) {
    tokens.resetMs = Math.min(azureReset, MAX_RESET_MS);
  }
  for (const [dim, p] of openai) push(out, dim, p, 'bucket', dim === 'requests');

  const anthropic = collect(
    headers,
    /^anthropic-ratelimit-(?<dim>[a-z0-9_-]{1,40}?)-(?<field>limit|remaining|reset)$/,
    // Only RFC 3339: a bare number here is ambiguous (`parseFloat('2026-09-11T…')` is 2026).
    (v) => {
      const at = parseRfc3339(v);
      return at !== undefined ? at - server : undefined;
    },
  );
  for (const [dim, p] of anthropic) push(out, `anthropic:${dim}`, p, 'bucket', dim === 'requests');

  readIetf(headers, out);

  const ghRemaining = parseNumber(get(headers, 'x-ratelimit-remaining'));
  if (ghRemaining !== undefined) {
    const p: Partial3 = { remaining: ghRemaining };
    const limit = parseNumber(get(headers, 'x-ratelimit-limit'));
    const reset = boundedReset(numericReset(get(headers, 'x-ratelimit-reset'), server));
    if (limit !== undefined) p.limit = limit;
    if (reset !== undefined) p.resetMs = reset;
    const resource = get(headers, 'x-ratelimit-resource');
    const name = resource !== undefined && /^[\w-]{1,40}$/.test(resource) ? resource : 'default';
    push(out, `x-ratelimit:${name}`, p, 'window', true);
  }
  return out;
}
