import { canonicalProvider } from '../provider-id.js';
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
  PROVIDERS,
  STEPS,
} from './catalogue.js';
import { EMPTY_REMEDIATION as EMPTY, registerRemediation } from './own.js';

export { CAUSES as REMEDIATION_CAUSES, STEPS as REMEDIATION_STEPS } from './catalogue.js';

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
  return registerRemediation(
    Object.freeze({ causes: Object.freeze(causes), steps: Object.freeze(steps) }),
  );
}

interface KindEntry {
  readonly remediation: Remediation;
  readonly byCode: ReadonlyMap<string, Remediation>;
}

type Table = ReadonlyMap<string, ReadonlyMap<string, KindEntry>>;

function buildTable(): Table {
  const table = new Map<string, Map<string, KindEntry>>();
  const generic = new Map<string, KindEntry>();
  for (const kind of UPSTREAM_ERROR_KINDS)
    generic.set(kind, { remediation: build(kind, undefined), byCode: new Map() });
  table.set('generic', generic);
  for (const [provider, kinds] of Object.entries(PROVIDERS)) {
    const perKind = new Map<string, KindEntry>();
    for (const kind of UPSTREAM_ERROR_KINDS) {
      const byCode = new Map<string, Remediation>();
      for (const [code, entry] of Object.entries(BY_CODE[provider]?.[kind] ?? {}))
        byCode.set(code, build(kind, entry));
      perKind.set(kind, {
        // A provider without an entry for this kind gets the generic fallback, like an unknown one.
        remediation: build(kind, kinds[kind]),
        byCode,
      });
    }
    table.set(provider, perKind);
  }
  return table;
}

/**
 * Resolved once, on first use: a lookup per error is then three Map reads with no allocation, and
 * a bundle that never asks for remediation (only `redact`, say) can drop the catalogue.
 */
let table: Table | undefined;

const MAX_ID_LENGTH = 64;

/** A provider the catalogue has entries for, else `generic`. */
function catalogueProvider(provider: unknown): string {
  const id = canonicalProvider(provider);
  return id !== undefined && Object.hasOwn(PROVIDERS, id) ? id : 'generic';
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
    table ??= buildTable();
    const entry = table.get(catalogueProvider(provider))?.get(kind);
    if (entry === undefined) return EMPTY;
    if (
      typeof upstreamCode === 'string' &&
      upstreamCode.length <= MAX_ID_LENGTH &&
      entry.byCode.size > 0
    ) {
      const byCode = entry.byCode.get(upstreamCode.trim().toLowerCase());
      if (byCode !== undefined) return byCode;
    }
    return entry.remediation;
  } catch {
    return EMPTY;
  }
}
