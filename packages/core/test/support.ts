import { fixtureById } from '@four29/fixtures';
import { remediationFor } from '../src/remediation/index.js';
import type { Classification } from '../src/types.js';
import { UpstreamHttpError } from '../src/upstream-http-error.js';

/** A hand-built classification: the fields classify would set for `kind`, overridable one by one. */
export function classification(over: Partial<Classification> = {}): Classification {
  const kind = over.kind ?? 'rate_limited';
  const provider = over.provider ?? 'openai';
  return {
    kind,
    provider,
    retryable: kind === 'rate_limited' || kind === 'overloaded' || kind === 'upstream_timeout',
    remediation: remediationFor(kind, provider, over.upstreamCode),
    ...over,
  };
}

/** A fixture's response as the error a fetch-based client would throw, at the current (fake) time. */
export function upstreamError(id: string): UpstreamHttpError {
  const f = fixtureById(id);
  const r = f.respond(Date.now());
  return new UpstreamHttpError({
    status: r.status,
    headers: r.headers,
    body: r.body,
    provider: f.provider,
  });
}
