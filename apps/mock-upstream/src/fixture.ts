import type { ScenarioId, UpstreamFixture } from '@four29/fixtures';
import { goDuration, rfc3339 } from './duration.js';
import type { BucketDecision, BucketState } from './ratelimit.js';
import type { MockProvider } from './types.js';

export interface Replay {
  readonly fixtureId: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/**
 * Fixtures of the OpenAI-compatible variants that carry no `scenario` tag (the fixtures package
 * tags one fixture per scenario, mostly OpenAI's). Ids only: the shapes stay in the fixtures.
 */
const VARIANT_FIXTURE_IDS: Partial<Record<MockProvider, Partial<Record<ScenarioId, string>>>> = {
  'azure-openai': {
    rate_limited_tokens: 'azure.rate_limit.tokens',
    rate_limited_requests: 'azure.rate_limit.requests',
  },
  openrouter: {
    insufficient_quota: 'openrouter.insufficient_credits',
    rate_limited_requests: 'openrouter.rate_limit.free_per_day',
  },
};

/**
 * The fixture that answers `scenario` for `provider`: one tagged with that scenario, else a
 * known variant fixture, else (Azure, OpenRouter) OpenAI's, which their clients parse the same.
 */
export function findFixture(
  list: readonly UpstreamFixture[],
  provider: MockProvider,
  scenario: ScenarioId,
): UpstreamFixture | undefined {
  const own = list.find((f) => f.provider === provider && f.scenario === scenario);
  if (own !== undefined) return own;
  const variantId = VARIANT_FIXTURE_IDS[provider]?.[scenario];
  const variant = variantId === undefined ? undefined : list.find((f) => f.id === variantId);
  if (variant !== undefined) return variant;
  if (provider === 'azure-openai' || provider === 'openrouter') {
    return list.find((f) => f.provider === 'openai' && f.scenario === scenario);
  }
  return undefined;
}

/** The error event a `stream_error` stream ends with: its own fixture, else the provider's overload/500. */
export function findStreamErrorFixture(
  list: readonly UpstreamFixture[],
  provider: MockProvider,
): UpstreamFixture | undefined {
  return (
    findFixture(list, provider, 'stream_error') ??
    findFixture(list, provider, provider === 'anthropic' ? 'overloaded' : 'server_error')
  );
}

/** Runs a fixture; a fixture that throws or returns garbage yields `undefined`, not a crash. */
export function replay(fixture: UpstreamFixture, now: number): Replay | undefined {
  try {
    const res = fixture.respond(now);
    if (!Number.isInteger(res.status) || res.status < 100 || res.status > 599) return undefined;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
    return { fixtureId: fixture.id, status: res.status, headers, body: res.body };
  } catch {
    return undefined;
  }
}

/** Rate-limit headers a provider sends on every answer, from the bucket's real state. */
export function rateLimitHeaders(
  provider: MockProvider,
  state: BucketState,
  now: number,
): Record<string, string> {
  const { requests, tokens } = state;
  const out: Record<string, string> = {};
  switch (provider) {
    case 'openai':
      out['x-ratelimit-limit-requests'] = String(requests.limit);
      out['x-ratelimit-remaining-requests'] = String(requests.remaining);
      out['x-ratelimit-reset-requests'] = goDuration(requests.resetAt - now);
      if (tokens !== undefined) {
        out['x-ratelimit-limit-tokens'] = String(tokens.limit);
        out['x-ratelimit-remaining-tokens'] = String(tokens.remaining);
        out['x-ratelimit-reset-tokens'] = goDuration(tokens.resetAt - now);
      }
      break;
    case 'azure-openai':
      // Azure reports what is left, not the limit or the reset.
      out['x-ratelimit-remaining-requests'] = String(requests.remaining);
      if (tokens !== undefined) out['x-ratelimit-remaining-tokens'] = String(tokens.remaining);
      break;
    case 'anthropic':
      out['anthropic-ratelimit-requests-limit'] = String(requests.limit);
      out['anthropic-ratelimit-requests-remaining'] = String(requests.remaining);
      out['anthropic-ratelimit-requests-reset'] = rfc3339(requests.resetAt);
      if (tokens !== undefined) {
        out['anthropic-ratelimit-tokens-limit'] = String(tokens.limit);
        out['anthropic-ratelimit-tokens-remaining'] = String(tokens.remaining);
        out['anthropic-ratelimit-tokens-reset'] = rfc3339(tokens.resetAt);
      }
      break;
    // Gemini and OpenRouter send no rate-limit headers on success.
    case 'google':
    case 'openrouter':
      break;
  }
  return out;
}

const RATE_LIMIT_HEADER =
  /^(x-ratelimit-|x-rate-limit-|anthropic-ratelimit-|ratelimit|retry-after)/;

/**
 * A fixture's 429 re-stated with the bucket's real numbers: its canned rate-limit headers are
 * replaced, and the numbers in its message (limit, used, requested, wait) are rewritten so the
 * body does not contradict the headers. The shape stays the fixture's.
 */
export function honestRefusal(
  base: Replay,
  provider: MockProvider,
  decision: Extract<BucketDecision, { allowed: false }>,
  now: number,
): Replay {
  const budget =
    decision.reason === 'requests'
      ? decision.state.requests
      : (decision.state.tokens ?? decision.state.requests);
  const waitMs = decision.reason === 'too_large' ? 0 : Math.max(0, budget.resetAt - now);
  const waitSeconds = Math.ceil(waitMs / 1000);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(base.headers)) {
    if (!RATE_LIMIT_HEADER.test(name)) headers[name] = value;
  }
  Object.assign(headers, rateLimitHeaders(provider, decision.state, now));
  if (decision.reason !== 'too_large' && provider !== 'google') {
    headers['retry-after'] = String(waitSeconds);
    if (provider === 'openai' || provider === 'azure-openai') {
      headers['retry-after-ms'] = String(waitMs);
    }
  }

  const numbers: Numbers = {
    limit: budget.limit,
    used: budget.limit - budget.remaining,
    requested: decision.requested,
    waitMs,
    waitSeconds,
    resetAt: budget.resetAt,
    remaining: budget.remaining,
  };
  return { ...base, headers, body: rewrite(structuredClone(base.body), numbers, 0) };
}

interface Numbers {
  readonly limit: number;
  readonly used: number;
  readonly requested: number;
  readonly waitMs: number;
  readonly waitSeconds: number;
  readonly resetAt: number;
  readonly remaining: number;
}

function rewrite(value: unknown, n: Numbers, depth: number): unknown {
  if (typeof value === 'string') return rewriteText(value, n);
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => rewrite(v, n, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = rewrite(v, n, depth + 1);
  // google.rpc.RetryInfo
  if (typeof out['@type'] === 'string' && out['@type'].endsWith('google.rpc.RetryInfo')) {
    out.retryDelay = `${n.waitSeconds}s`;
  }
  // OpenRouter copies the upstream's headers into error.metadata.headers.
  for (const key of Object.keys(out)) {
    const lower = key.toLowerCase();
    if (lower === 'x-ratelimit-reset') out[key] = String(n.resetAt);
    else if (lower === 'x-ratelimit-remaining') out[key] = String(n.remaining);
    else if (lower === 'x-ratelimit-limit') out[key] = String(n.limit);
  }
  return out;
}

// A number with thousands separators ("20,000") or without, never the comma after "3, ".
const NUM = String.raw`(\d{1,3}(?:,\d{3})+|\d+)`;
const LIMIT = new RegExp(String.raw`\b(Limit:?\s)${NUM}`, 'gi');
const USED = new RegExp(String.raw`\b(Used:?\s)${NUM}`, 'gi');
const REQUESTED = new RegExp(String.raw`\b(Requested:?\s)${NUM}`, 'gi');
// OpenAI: "Please try again in 1.146s" (Go duration).
const TRY_AGAIN = /\b(try again in )(?:\d+h)?(?:\d+m(?!s))?\d+(?:\.\d+)?(?:ms|s)/gi;
// Anthropic: "... of 20,000 input tokens per minute".
const PER_MINUTE = new RegExp(
  String.raw`\b(of )${NUM}( (?:input |output )?(?:tokens|requests) per minute)`,
  'gi',
);
// Azure: "Please retry after 33 seconds.", "Try again in 55 seconds."
const RETRY_AFTER = /\b((?:retry after|try again in) )\d+( seconds?)/gi;
// Gemini: "Please retry in 47.884324799s."
const RETRY_IN = /\b(retry in )\d+(?:\.\d+)?s/gi;

function rewriteText(text: string, n: Numbers): string {
  const num = (original: string, value: number) =>
    original.includes(',') ? value.toLocaleString('en-US') : String(value);
  return text
    .replace(LIMIT, (_, p: string, d: string) => p + num(d, n.limit))
    .replace(USED, (_, p: string, d: string) => p + num(d, n.used))
    .replace(REQUESTED, (_, p: string, d: string) => p + num(d, n.requested))
    .replace(TRY_AGAIN, (_, p: string) => p + goDuration(n.waitMs))
    .replace(PER_MINUTE, (_, p: string, d: string, s: string) => p + num(d, n.limit) + s)
    .replace(RETRY_AFTER, (_, p: string, s: string) => p + n.waitSeconds + s)
    .replace(RETRY_IN, (_, p: string) => `${p}${n.waitSeconds}s`);
}
