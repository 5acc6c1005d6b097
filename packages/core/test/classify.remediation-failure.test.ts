import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { describe, expect, it, vi } from 'vitest';

vi.mock('../src/remediation/index.js', () => ({
  remediationFor: () => {
    throw new Error('catalogue bug');
  },
}));

const { classify } = await import('../src/classify/index.js');

describe('a remediation catalogue that throws', () => {
  it('still yields the classification, with empty remediation', () => {
    const c = classify(fixtureById('openai.insufficient_quota').respond(FIXTURE_NOW), {
      now: FIXTURE_NOW,
    });
    expect(c).toMatchObject({ kind: 'quota_exhausted', remediation: { causes: [], steps: [] } });
  });
});
