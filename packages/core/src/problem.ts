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
export const DEFAULT_POLICY: StatusPolicy = Object.freeze({
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
export const PASSTHROUGH_POLICY: StatusPolicy = Object.freeze({
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
      const value = option[kind];
      if (isValidStatus(value)) out[kind] = value;
    }
  }
  return out;
}

/** Whole seconds, rounded up, for `Retry-After`; undefined when the caller should not retry. */
export function retryAfterSeconds(c: Classification): number | undefined {
  if (!c.retryable) return undefined;
  const ms = c.retryAfterMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return undefined;
  return Math.ceil(ms / 1000);
}

const DIMENSION_WORDS: Readonly<Record<string, string>> = {
  requests: 'request',
  tokens: 'token',
  input_tokens: 'input-token',
  output_tokens: 'output-token',
  images: 'image',
  concurrent: 'concurrency',
};

function limitPhrase(c: Classification): string {
  const dim = c.dimension !== undefined ? DIMENSION_WORDS[c.dimension] : undefined;
  if (dim === undefined) return '';
  const per = c.window !== undefined ? `per-${c.window} ` : '';
  return ` (${per}${dim} limit)`;
}

function seconds(n: number): string {
  return n === 1 ? '1 second' : `${n} seconds`;
}

/** A detail built only from classified fields: never from the upstream's own message. */
function detailFor(c: Classification, retryAfter: number | undefined): string {
  const retry = retryAfter !== undefined ? ` Retry after ${seconds(retryAfter)}.` : '';
  switch (c.kind) {
    case 'rate_limited':
      return `A service this API depends on is rate limiting our requests${limitPhrase(c)}.${retry || ' Retry later.'}`;
    case 'quota_exhausted':
      return 'A service this API depends on has no quota left for our account. Retrying will not help until the operator acts.';
    case 'request_too_large': {
      const numbers =
        c.requested !== undefined && c.limit !== undefined
          ? ` (${c.requested} requested, limit ${c.limit})`
          : '';
      return `The request is larger than a service this API depends on accepts${numbers}. Reduce the input or the requested output length.`;
    }
    case 'overloaded':
      return `A service this API depends on is temporarily overloaded.${retry || ' Retry later.'}`;
    case 'upstream_auth':
      return 'A service this API depends on rejected our credentials. Retrying will not help until the operator acts.';
    case 'upstream_timeout':
      return `A service this API depends on did not answer in time.${retry || ' Retry later.'}`;
    default:
      return c.retryable
        ? `A service this API depends on failed.${retry || ' Retry later.'}`
        : 'A service this API depends on could not complete the request.';
  }
}

export function problemType(kind: UpstreamErrorKind, base?: string): string {
  const template = typeof base === 'string' && base.length > 0 ? base : DEFAULT_PROBLEM_TYPE_BASE;
  return template.includes('{kind}') ? template.replaceAll('{kind}', kind) : `${template}${kind}`;
}

/** Renders a classification as an RFC 9457 problem response. Pure; never throws for a Classification. */
export function toProblem(c: Classification, options?: ProblemOptions): ProblemResponse {
  const status = resolvePolicy(options?.policy)[c.kind] ?? 502;
  const retryAfter = retryAfterSeconds(c);
  const remediation = c.remediation.steps
    .filter((s) => s.audience === 'caller')
    .map((s) =>
      s.url !== undefined
        ? { id: s.id, title: s.title, detail: s.detail, url: s.url }
        : { id: s.id, title: s.title, detail: s.detail },
    );
  const body: ProblemDocument = {
    type: problemType(c.kind, options?.problemTypeBase),
    title: TITLES[c.kind] ?? TITLES.upstream_error,
    status,
    detail: detailFor(c, retryAfter),
    kind: c.kind,
    retryable: c.retryable,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    remediation,
  };
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return { status, headers, body };
}
