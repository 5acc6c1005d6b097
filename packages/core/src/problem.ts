import { guardClassification } from './classification-guard.js';
import { get } from './classify/safe.js';
import { errorStatus } from './http-status.js';
import { isRetryableClassification } from './kinds.js';
import { redactedString } from './redact.js';
import type {
  Classification,
  ProblemDocument,
  ProblemOptions,
  ProblemResponse,
  StatusPolicy,
  StatusPolicyOption,
  UpstreamErrorKind,
} from './types.js';

/**
 * Default downstream statuses. The caller did not exceed *our* limits, so an upstream 429 is not
 * passed on as 429: that would tell clients (and their retry logic) that they are the problem.
 * 503 says "this service is temporarily unable", 502/504 say "a service behind me failed".
 */
export const DEFAULT_POLICY: StatusPolicy = /* @__PURE__ */ Object.freeze({
  rate_limited: 503,
  overloaded: 503,
  quota_exhausted: 503,
  request_too_large: 413,
  upstream_auth: 502,
  upstream_timeout: 504,
  upstream_error: 502,
});

/**
 * For services where each caller brings its own upstream key (per-tenant keys): the upstream rate
 * limit really is the caller's limit, so it is answered as 429.
 */
export const PASSTHROUGH_POLICY: StatusPolicy = /* @__PURE__ */ Object.freeze({
  ...DEFAULT_POLICY,
  rate_limited: 429,
});

/**
 * Where the problem types are documented: the project's site, built from docs/problems, so a
 * type URI stays the same whatever happens to branches and files in the repository.
 */
export const DEFAULT_PROBLEM_TYPE_BASE = 'https://four29.github.io/four29/problems/{kind}';

const TITLES: Readonly<Record<UpstreamErrorKind, string>> = {
  rate_limited: 'Upstream rate limit reached',
  quota_exhausted: 'Upstream quota exhausted',
  request_too_large: 'Request too large for the upstream service',
  overloaded: 'Upstream service overloaded',
  upstream_auth: 'Upstream service rejected our credentials',
  upstream_timeout: 'Upstream service timed out',
  upstream_error: 'Upstream service error',
};

function isValidStatus(value: unknown): value is number {
  return errorStatus(value) !== undefined;
}

/**
 * Resolves a policy option to a full policy; invalid entries fall back to the default, and each is
 * reported to `report` (the handler warns about them once, at creation).
 */
export function resolvePolicy(
  option: StatusPolicyOption | undefined,
  report?: (problem: string) => void,
): StatusPolicy {
  if (option === undefined || option === 'default') return DEFAULT_POLICY;
  if (option === 'passthrough') return PASSTHROUGH_POLICY;
  const out: Record<UpstreamErrorKind, number> = { ...DEFAULT_POLICY };
  if (typeof option !== 'object' || option === null) {
    report?.(`policy: expected 'default', 'passthrough' or an object of statuses; using 'default'`);
    return DEFAULT_POLICY;
  }
  for (const kind of Object.keys(DEFAULT_POLICY) as UpstreamErrorKind[]) {
    const value = get(option, kind);
    if (isValidStatus(value)) out[kind] = value;
    else if (value !== undefined)
      report?.(`policy.${kind}: expected an HTTP status 400-599; using ${DEFAULT_POLICY[kind]}`);
  }
  return out;
}

/**
 * Longest Retry-After four29 sends. Longer upstream waits (a daily window, Azure's 86400 for zero
 * quota) are still reported, capped: a client that retries after a day gets a fresh answer.
 */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * Whole seconds, rounded up, for `Retry-After`; undefined when the caller should not retry (see
 * `isRetryableClassification`: quota, credential and too-large errors never get one) or the wait is
 * unknown.
 */
export function retryAfterSeconds(c: Classification): number | undefined {
  if (!isRetryableClassification(c)) return undefined;
  const ms = c.retryAfterMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return undefined;
  // max(0, …) also turns -0 into 0.
  return Math.max(0, Math.min(Math.ceil(ms / 1000), MAX_RETRY_AFTER_SECONDS));
}

const DIMENSION_WORDS: Readonly<Record<string, string>> = {
  requests: 'request',
  tokens: 'token',
  input_tokens: 'input-token',
  output_tokens: 'output-token',
  images: 'image',
  concurrent: 'concurrency',
};

const WINDOWS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'second',
  'minute',
  'hour',
  'day',
  'month',
]);

function limitPhrase(c: Classification): string {
  const dim =
    typeof c.dimension === 'string' && Object.hasOwn(DIMENSION_WORDS, c.dimension)
      ? DIMENSION_WORDS[c.dimension]
      : undefined;
  if (dim === undefined) return '';
  const per = typeof c.window === 'string' && WINDOWS.has(c.window) ? `per-${c.window} ` : '';
  return ` (${per}${dim} limit)`;
}

function count(n: unknown): number | undefined {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function seconds(n: number): string {
  return n === 1 ? '1 second' : `${n} seconds`;
}

/** A detail built only from classified fields: never from the upstream's own message. */
function detailFor(
  c: Classification,
  kind: UpstreamErrorKind,
  retryAfter: number | undefined,
): string {
  const retry =
    retryAfter !== undefined
      ? ` Retry after ${seconds(retryAfter)}.`
      : c.retryable === true
        ? ' Retry later.'
        : '';
  switch (kind) {
    case 'rate_limited':
      return `A service this API depends on is rate limiting our requests${limitPhrase(c)}.${retry}`;
    case 'quota_exhausted':
      return 'A service this API depends on has no quota left for our account. Retrying will not help until the operator acts.';
    case 'request_too_large': {
      const requested = count(c.requested);
      const limit = count(c.limit);
      const numbers =
        requested !== undefined && limit !== undefined
          ? ` (${requested} requested, limit ${limit})`
          : '';
      return `The request is larger than a service this API depends on accepts${numbers}. Reduce the input or the requested output length.`;
    }
    case 'overloaded':
      return `A service this API depends on is temporarily overloaded.${retry}`;
    case 'upstream_auth':
      return 'A service this API depends on rejected our credentials. Retrying will not help until the operator acts.';
    case 'upstream_timeout':
      return `A service this API depends on did not answer in time.${retry}`;
    default:
      return c.retryable === true
        ? `A service this API depends on failed.${retry}`
        : 'A service this API depends on could not complete the request. Retrying the same request will not help.';
  }
}

function expandType(kind: string, template: string): string {
  return template.includes('{kind}') ? template.replaceAll('{kind}', kind) : `${template}${kind}`;
}

export function problemType(kind: UpstreamErrorKind, base?: string): string {
  return expandType(
    kind,
    typeof base === 'string' && base.length > 0 ? base : DEFAULT_PROBLEM_TYPE_BASE,
  );
}

const MAX_CALLER_STEPS = 8;

/** The caller's steps, as a response shows them: no operator steps, no `audience` member. */
function callerSteps(c: Classification): ProblemDocument['remediation'] {
  const out: ProblemDocument['remediation'][number][] = [];
  for (const { audience, id, title, detail, url } of c.remediation.steps) {
    if (audience !== 'caller') continue;
    out.push(url !== undefined ? { id, title, detail, url } : { id, title, detail });
    if (out.length === MAX_CALLER_STEPS) break;
  }
  return out;
}

/** What a problem is rendered with; the handler works it out once, when it is created. */
export interface ProblemSettings {
  readonly policy: StatusPolicy;
  readonly typeBase?: string | undefined;
}

/**
 * The problem response for a classification four29 built (or guarded): trusted, so nothing here
 * is checked again. `requestId` is the incoming request's id, the one its log record carries.
 */
export function renderProblem(
  c: Classification,
  settings: ProblemSettings,
  requestId?: string,
): ProblemResponse {
  const status = settings.policy[c.kind];
  const retryAfter = retryAfterSeconds(c);
  const body: ProblemDocument = {
    type: problemType(c.kind, settings.typeBase),
    title: TITLES[c.kind],
    status,
    detail: detailFor(c, c.kind, retryAfter),
    kind: c.kind,
    retryable: c.retryable,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    remediation: callerSteps(c),
  };
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return { status, headers, body };
}

/**
 * Renders any classification, hand-built ones included, as an RFC 9457 problem response. Pure;
 * never throws.
 */
export function toProblem(c: Classification, options?: ProblemOptions): ProblemResponse {
  const typeBase = get(options, 'problemTypeBase');
  return renderProblem(
    guardClassification(c, { message: false }),
    {
      policy: resolvePolicy(get(options, 'policy') as StatusPolicyOption | undefined),
      typeBase: typeof typeBase === 'string' ? typeBase : undefined,
    },
    redactedString(get(options, 'requestId'), 200),
  );
}
