/**
 * The generated-case budget: CI (no FC_RUNS) runs at least 10,000 fast-check cases in total across
 * the properties of this suite, and FC_RUNS scales them locally.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNS, PER_TARGET, type PropertyName, runs, STANDARD_RUNS } from '../src/runs.js';
import { TARGETS } from '../src/targets.js';

const NAMES = Object.keys(DEFAULT_RUNS) as PropertyName[];

function total(env: string | undefined): number {
  return NAMES.reduce(
    (sum, name) => sum + runs(name, env) * (PER_TARGET.has(name) ? TARGETS.length : 1),
    0,
  );
}

describe('fast-check budget', () => {
  it('CI runs at least 10,000 generated cases across the properties', () => {
    expect(total(undefined)).toBeGreaterThanOrEqual(10_000);
  });

  it('FC_RUNS=<n> sets a standard property to n runs and scales the others with it', () => {
    expect(runs('core.classify.bounded-reads', String(STANDARD_RUNS * 5))).toBe(5_000);
    expect(total('20000')).toBe(total(undefined) * 20);
  });

  it('FC_RUNS=x<k> multiplies every default', () => {
    for (const name of NAMES) expect(runs(name, 'x3')).toBe(DEFAULT_RUNS[name] * 3);
  });

  it('refuses a value it cannot read instead of silently running the default', () => {
    expect(() => runs('core.classify.shapes', 'lots')).toThrow(/FC_RUNS/);
    expect(() => runs('core.classify.shapes', '-5')).toThrow(/FC_RUNS/);
  });
});
