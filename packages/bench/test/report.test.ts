import { describe, expect, it } from 'vitest';
import { aaSpread, roundValues, verdictFor } from '../src/report.js';
import type { RunStats } from '../src/throughput.js';

function run(slot: string, rps: number, cpu: number, core = Number.NaN): RunStats {
  return {
    slot,
    requests: rps,
    seconds: 1,
    rps,
    p99: 1,
    errors: 0,
    unexpectedStatus: 0,
    cpuMicrosPerRequest: cpu,
    coreMicrosPerCall: core,
    coreCalls: Number.isNaN(core) ? 0 : rps,
    foreignCores: 0,
  };
}

describe('verdictFor', () => {
  const atLeast = { op: '>=', bound: 1 } as const;
  const atMost = { op: '<=', bound: 40 } as const;

  it('passes and fails by the target when the A/A spread is inside the margin', () => {
    expect(verdictFor('full', 1.05, atLeast, 0.02)).toBe('PASS');
    expect(verdictFor('full', 0.9, atLeast, 0.02)).toBe('FAIL');
    expect(verdictFor('full', 30, atMost, 5)).toBe('PASS');
    expect(verdictFor('full', 90, atMost, 5)).toBe('FAIL');
  });

  it('says noise when the A/A spread is wider than the margin, either side of the target', () => {
    expect(verdictFor('full', 1.01, atLeast, 0.02)).toBe('noise');
    expect(verdictFor('full', 0.99, atLeast, 0.02)).toBe('noise');
    expect(verdictFor('full', 42, atMost, 3)).toBe('noise');
    expect(verdictFor('full', 1.01, atLeast, Number.NaN)).toBe('noise');
  });

  it('judges nothing in quick mode or without a target, and fails a missing number', () => {
    expect(verdictFor('quick', 0.5, atLeast, 0)).toBe('n/a (quick)');
    expect(verdictFor('full', 0.5, undefined, 0)).toBe('info');
    expect(verdictFor('full', Number.NaN, atLeast, 0)).toBe('FAIL');
  });
});

describe('aaSpread', () => {
  it('is how far the interquartile range reaches from no difference', () => {
    expect(aaSpread('ratio', [0.98, 1.0, 1.01, 1.03, 1.04])).toBeCloseTo(0.03, 10);
    expect(aaSpread('ratio', [1.05, 1.05, 1.05])).toBeCloseTo(0.05, 10);
    expect(aaSpread('cpu', [-4, -1, 0, 2, 8])).toBeCloseTo(2, 10);
  });
});

describe('roundValues', () => {
  const rounds = [
    { a: run('a', 900, 150, 60), b: run('b', 1000, 100) },
    { a: run('a', 1100, 160, 70), b: run('b', 1000, 90) },
  ];

  it('takes ratios, CPU differences, core times and the adapter’s rest within each round', () => {
    expect(roundValues('ratio', 'a', 'b', rounds)).toEqual([0.9, 1.1]);
    expect(roundValues('cpu', 'a', 'b', rounds)).toEqual([50, 70]);
    expect(roundValues('core', 'a', undefined, rounds)).toEqual([60, 70]);
    expect(roundValues('adapter', 'a', 'b', rounds)).toEqual([-10, 0]);
  });

  it('gives NaN for a slot a round lacks', () => {
    expect(roundValues('ratio', 'a', 'missing', rounds).every(Number.isNaN)).toBe(true);
  });
});
