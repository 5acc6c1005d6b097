import { remediationFor } from '../src/remediation/index.js';
import type { Classification } from '../src/types.js';

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
