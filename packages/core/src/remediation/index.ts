import type { ProviderId, Remediation, UpstreamErrorKind } from '../types.js';

// STUB — replaced by the remediation catalogue.
export function remediationFor(
  _kind: UpstreamErrorKind,
  _provider: ProviderId,
  _upstreamCode?: string,
): Remediation {
  return { causes: [], steps: [] };
}
