import { describe, expect, it } from 'vitest';
import { type SizeResult, sizeProblem } from '../src/size.js';

const size = (gzipBytes: number): SizeResult => ({
  name: '@four29/x',
  pkg: '@four29/x',
  imports: '*',
  minBytes: gzipBytes * 3,
  gzipBytes,
  external: [],
});
const recorded = { reason: 'test', recordedAt: '', gzipBytes: { '@four29/x': 1000 } };

describe('sizeProblem', () => {
  it('allows up to 10 % over the recorded figure, and any shrinking', () => {
    expect(sizeProblem(size(1100), recorded)).toBeUndefined();
    expect(sizeProblem(size(400), recorded)).toBeUndefined();
  });

  it('reports growth past 10 % by how much', () => {
    expect(sizeProblem(size(1101), recorded)).toMatch(/10\.1 % over the recorded 1000 B/);
  });

  it('asks for a recorded figure where there is none', () => {
    expect(sizeProblem(size(10), undefined)).toMatch(/--record-sizes/);
    expect(sizeProblem({ ...size(10), name: 'other' }, recorded)).toMatch(/no recorded figure/);
  });
});
