import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/index.js';

const NOW = FIXTURE_NOW;
const at = (thrown: unknown, provider?: string) =>
  classify(thrown, provider !== undefined ? { now: NOW, provider } : { now: NOW });

describe('provider detection and provider hints', () => {
  it('hints are canonical: trimmed, lower-case, aliases resolved like the remediation catalogue', () => {
    const r = { status: 429, headers: { 'retry-after': '86400' }, body: 'Too Many Requests' };
    expect(at(r, ' Azure ')).toMatchObject({ provider: 'azure-openai', kind: 'quota_exhausted' });
    expect(at(r, 'gemini')?.provider).toBe('google');
    expect(at(r, 'Mistral')?.provider).toBe('mistral');
    expect(at(r, '')?.provider).toBe('generic');
    expect(at(r)).toMatchObject({
      provider: 'generic',
      kind: 'rate_limited',
      retryAfterMs: 86_400_000,
    });
  });

  it('a hint never overrides what the response itself says', () => {
    const r = fixtureById('anthropic.overloaded').respond(NOW);
    expect(at(r, 'openai')?.provider).toBe('anthropic');
    const gh = fixtureById('stripe.lock_timeout').respond(NOW);
    expect(at(gh, 'stripe')?.provider).toBe('stripe');
  });

  it('names GitHub by its headers or documentation_url, so its own remedies apply', () => {
    expect(at(fixtureById('github.primary_rate_limit').respond(NOW))?.provider).toBe('github');
    const byDocs = at({
      status: 403,
      headers: {},
      body: {
        message: 'You have exceeded a secondary rate limit.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    });
    expect(byDocs).toMatchObject({ provider: 'github', kind: 'rate_limited' });
    expect(byDocs?.remediation.steps.map((s) => s.id)).toContain('github.wait-for-reset');
  });

  it('takes the provider an UpstreamHttpError names, and request ids from SDK fields and bodies', () => {
    const withProvider = Object.assign(new Error('x'), {
      name: 'UpstreamHttpError',
      status: 429,
      headers: new Headers(),
      body: undefined,
      provider: 'mistral',
    });
    expect(at(withProvider)?.provider).toBe('mistral');
    const r = fixtureById('anthropic.auth').respond(NOW);
    expect(at({ status: 401, headers: {}, body: r.body })?.upstreamRequestId).toBe(
      'req_011CAnthropicAuth0000000000001',
    );
  });
});
