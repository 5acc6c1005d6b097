import { isRetryableClassification, normalizeKind } from './kinds.js';
import { MAX_MESSAGE_LENGTH, redactedString } from './redact.js';
import type {
  Classification,
  ProblemDocument,
  ProblemOptions,
  ProblemResponse,
  RemediationStep,
  StatusPolicy,
  StatusPolicyOption,
  UpstreamErrorKind,
} from './types.js';
import { isVettedStepList, perStep } from './vetted.js';

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

export const DEFAULT_PROBLEM_TYPE_BASE =
  'https://github.com/four29/four29/blob/main/docs/problems/{kind}.md';

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
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599;
}

/** Resolves a policy option to a full policy; invalid entries fall back to the default. */
export function resolvePolicy(option: StatusPolicyOption | undefined): StatusPolicy {
  if (option === undefined || option === 'default') return DEFAULT_POLICY;
  if (option === 'passthrough') return PASSTHROUGH_POLICY;
  const out: Record<UpstreamErrorKind, number> = { ...DEFAULT_POLICY };
  if (typeof option === 'object' && option !== null) {
    for (const kind of Object.keys(DEFAULT_POLICY) as UpstreamErrorKind[]) {
      try {
        const value = option[kind];
        if (isValidStatus(value)) out[kind] = value;
      } catch {
        // A policy object with a throwing getter keeps the default for that kind.
      }
    }
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

const DEFAULT_TYPES: Readonly<Record<string, string>> = /* @__PURE__ */ Object.fromEntries(
  Object.keys(TITLES).map((kind) => [kind, expandType(kind, DEFAULT_PROBLEM_TYPE_BASE)]),
);

export function problemType(kind: UpstreamErrorKind, base?: string): string {
  if (typeof base === 'string' && base.length > 0) return expandType(kind, base);
  return Object.hasOwn(DEFAULT_TYPES, kind)
    ? (DEFAULT_TYPES[kind] as string)
    : expandType(kind, DEFAULT_PROBLEM_TYPE_BASE);
}

const MAX_CALLER_STEPS = 8;

type CallerStep = ProblemDocument['remediation'][number];

/**
 * One step as a response shows it, or null when it is not shown: caller audience only, copied
 * field by field and bounded, so a hand-built classification cannot put operator steps, odd
 * members or megabytes into the response, and redacted like any other text that leaves us.
 */
function callerStep(s: object): CallerStep | null {
  const step = s as Partial<Record<keyof RemediationStep, unknown>>;
  if (step.audience !== 'caller') return null;
  const id = redactedString(step.id, 100);
  const title = redactedString(step.title, 200);
  const detail = redactedString(step.detail, MAX_MESSAGE_LENGTH);
  if (id === undefined || title === undefined || detail === undefined) return null;
  const url =
    typeof step.url === 'string' && /^https?:\/\//.test(step.url) && step.url.length <= 2048
      ? step.url
      : undefined;
  return url !== undefined ? { id, title, detail, url } : { id, title, detail };
}

/** A step's view, frozen so that a caller mutating one answer cannot change another. */
function frozenView(s: object): CallerStep | null {
  const view = callerStep(s);
  return view === null ? null : Object.freeze(view);
}

/** Catalogue steps are vetted once (see perStep), not redacted again for every error. */
const catalogueViews = /* @__PURE__ */ new WeakMap<object, CallerStep | null>();

/** A catalogue remediation's caller steps, and their JSON: the same for every error that gets it. */
interface CallerList {
  readonly steps: readonly CallerStep[];
  readonly json: string;
}

const catalogueLists = /* @__PURE__ */ new WeakMap<object, CallerList>();
/** The JSON of each shared caller list, by the list: what `problemJson` splices in. */
const listJson = /* @__PURE__ */ new WeakMap<object, string>();

function callerSteps(c: Classification): ProblemDocument['remediation'] {
  const steps: unknown = c.remediation?.steps;
  if (isVettedStepList(steps)) {
    let list = catalogueLists.get(steps);
    if (list === undefined) {
      const fresh = Object.freeze(collectCallerSteps(steps));
      list = { steps: fresh, json: JSON.stringify(fresh) };
      catalogueLists.set(steps, list);
      listJson.set(fresh, list.json);
    }
    return list.steps;
  }
  // Frozen like the shared lists, so every problem's steps behave alike.
  return Object.freeze(Array.isArray(steps) ? collectCallerSteps(steps) : []);
}

function collectCallerSteps(steps: readonly unknown[]): CallerStep[] {
  const out: CallerStep[] = [];
  for (const s of steps) {
    if (out.length >= MAX_CALLER_STEPS) break;
    if (typeof s !== 'object' || s === null) continue;
    const view = perStep(catalogueViews, s, frozenView);
    if (view !== null) out.push(view);
  }
  return out;
}

/** Renders a classification as an RFC 9457 problem response. Pure; never throws for a Classification. */
export function toProblem(c: Classification, options?: ProblemOptions): ProblemResponse {
  const kind = normalizeKind(c.kind);
  const status = resolvePolicy(options?.policy)[kind];
  const retryAfter = retryAfterSeconds(c);
  // remediation stays the last member: problemJson relies on it.
  const body: ProblemDocument = {
    type: problemType(kind, options?.problemTypeBase),
    title: TITLES[kind],
    status,
    detail: detailFor(c, kind, retryAfter),
    kind,
    retryable: c.retryable === true,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
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
 * `JSON.stringify(body)`, byte for byte, for a body `toProblem` built: a catalogue remediation's
 * steps were serialized once and are spliced in, which is most of the document. Anything else is
 * simply stringified.
 */
export function problemJson(body: ProblemDocument): string {
  const json = listJson.get(body.remediation);
  // Only toProblem's shared lists are in listJson, and toProblem builds the members in this order.
  if (json === undefined) return JSON.stringify(body);
  const s = JSON.stringify;
  const retry = body.retryAfter !== undefined ? `,"retryAfter":${s(body.retryAfter)}` : '';
  return `{"type":${s(body.type)},"title":${s(body.title)},"status":${s(body.status)},"detail":${s(body.detail)},"kind":${s(body.kind)},"retryable":${s(body.retryable)}${retry},"remediation":${json}}`;
}
