/**
 * What each kind means for retrying, in one place: the classifier, the problem renderer
 * (`Retry-After`) and `withRetry` all ask here.
 */
import { type Classification, UPSTREAM_ERROR_KINDS, type UpstreamErrorKind } from './types.js';

const KINDS: ReadonlySet<string> = /* @__PURE__ */ new Set<string>(UPSTREAM_ERROR_KINDS);

/**
 * Kinds no wait can fix: a human has to act (quota, credentials) or the request has to change (too
 * large). They are never retryable, never get `Retry-After`, and `withRetry` rethrows them at once.
 */
export const NEVER_RETRYABLE_KINDS: ReadonlySet<UpstreamErrorKind> =
  /* @__PURE__ */ new Set<UpstreamErrorKind>([
    'quota_exhausted',
    'request_too_large',
    'upstream_auth',
  ]);

/** A kind from a hand-built or hostile classification that is not in the taxonomy counts as `upstream_error`. */
export function normalizeKind(kind: unknown): UpstreamErrorKind {
  return typeof kind === 'string' && KINDS.has(kind)
    ? (kind as UpstreamErrorKind)
    : 'upstream_error';
}

/**
 * Whether waiting and sending the same request again can succeed (timing aside): the
 * classification says retryable, and its kind is not one of {@link NEVER_RETRYABLE_KINDS}, even in
 * a hand-built classification that claims otherwise.
 */
export function isRetryableClassification(c: Classification | null): c is Classification {
  return (
    typeof c === 'object' &&
    c !== null &&
    c.retryable === true &&
    !NEVER_RETRYABLE_KINDS.has(normalizeKind(c.kind))
  );
}
