import type {
  ProviderId,
  Remediation,
  RemediationCause,
  RemediationStep,
  UpstreamErrorKind,
} from '../types.js';
import { UPSTREAM_ERROR_KINDS } from '../types.js';
import {
  BY_CODE,
  CAUSES,
  type Entry,
  GENERIC,
  GENERIC_FALLBACK,
  PROVIDER_ALIASES,
  PROVIDERS,
  STEPS,
} from './catalogue.js';

export { CAUSES as REMEDIATION_CAUSES, STEPS as REMEDIATION_STEPS } from './catalogue.js';

const EMPTY: Remediation = Object.freeze({ causes: Object.freeze([]), steps: Object.freeze([]) });

/**
 * Provider steps go between the generic caller steps and the generic operator steps: callers see
 * "wait" first, operators see the precise provider fix before the general advice.
 */
function build(kind: UpstreamErrorKind, provider: Entry | undefined): Remediation {
  const generic = GENERIC[kind];
  const fallback = provider === undefined ? GENERIC_FALLBACK[kind] : undefined;
  const stepIds = [
    ...generic.steps.filter((id) => STEPS[id].audience === 'caller'),
    ...(provider?.steps ?? []),
    ...generic.steps.filter((id) => STEPS[id].audience !== 'caller'),
    ...(fallback?.steps ?? []),
  ];
  const causeIds = [...(provider?.causes ?? []), ...generic.causes, ...(fallback?.causes ?? [])];
  const steps: RemediationStep[] = [...new Set(stepIds)].map((id) => STEPS[id]);
  const causes: RemediationCause[] = [...new Set(causeIds)].map((id) => CAUSES[id]);
  return Object.freeze({ causes: Object.freeze(causes), steps: Object.freeze(steps) });
}

// Everything is resolved once at load: a lookup per error is a Map read, with no allocation.
const TABLE = new Map<string, Remediation>();
for (const kind of UPSTREAM_ERROR_KINDS) {
  TABLE.set(`generic\u0000${kind}`, build(kind, undefined));
  for (const [provider, kinds] of Object.entries(PROVIDERS)) {
    TABLE.set(`${provider}\u0000${kind}`, build(kind, kinds[kind] ?? { causes: [], steps: [] }));
    const codes = BY_CODE[provider]?.[kind];
    for (const [code, entry] of Object.entries(codes ?? {})) {
      TABLE.set(`${provider}\u0000${kind}\u0000${code}`, build(kind, entry));
    }
  }
}

const MAX_ID_LENGTH = 64;

function normalizeProvider(provider: unknown): string {
  if (typeof provider !== 'string' || provider.length > MAX_ID_LENGTH) return 'generic';
  const id = provider.trim().toLowerCase();
  const canonical = PROVIDER_ALIASES[id] ?? id;
  return Object.hasOwn(PROVIDERS, canonical) ? canonical : 'generic';
}

/**
 * Likely causes and remediation steps for a classified upstream error: the provider's own steps
 * (with console and documentation links) plus the generic ones; unknown providers get the generic
 * ones. Returns frozen, shared objects and never throws, whatever it is given.
 */
export function remediationFor(
  kind: UpstreamErrorKind,
  provider: ProviderId,
  upstreamCode?: string,
): Remediation {
  try {
    if (typeof kind !== 'string') return EMPTY;
    const p = normalizeProvider(provider);
    if (typeof upstreamCode === 'string' && upstreamCode.length <= MAX_ID_LENGTH) {
      const byCode = TABLE.get(`${p}\u0000${kind}\u0000${upstreamCode.trim().toLowerCase()}`);
      if (byCode !== undefined) return byCode;
    }
    return TABLE.get(`${p}\u0000${kind}`) ?? EMPTY;
  } catch {
    return EMPTY;
  }
}
