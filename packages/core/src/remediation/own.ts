import type { Remediation } from '../types.js';

/** The one empty remediation: for an error without a catalogue entry, or a hand-built one without steps. */
export const EMPTY_REMEDIATION: Remediation = /* @__PURE__ */ Object.freeze({
  causes: Object.freeze([]),
  steps: Object.freeze([]),
});

/**
 * The catalogue's remediations (frozen, finitely many, built once): a classification that carries
 * one needs no guarding of its steps, which are our own text. Recognized by identity only, so a
 * copy or a hand-built look-alike is still checked step by step.
 */
const own = /* @__PURE__ */ new Set<unknown>([EMPTY_REMEDIATION]);

export function registerRemediation(remediation: Remediation): Remediation {
  own.add(remediation);
  return remediation;
}

export function isOwnRemediation(value: unknown): value is Remediation {
  return own.has(value);
}
