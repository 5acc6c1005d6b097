import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { describe, expect, it } from 'vitest';
import { classify, MAX_RETRY_DELAY_MS } from '../../src/classify/index.js';

const NOW = FIXTURE_NOW;
const at = (thrown: unknown, provider?: string) =>
  classify(thrown, provider !== undefined ? { now: NOW, provider } : { now: NOW });

describe('rules beyond the fixtures', () => {
  const openaiBody = (message: string, code: string | null, type = 'requests') => ({
    error: { message, type, param: null, code },
  });

  it('every OpenAI billing code is quota_exhausted, as code or as type', () => {
    for (const code of [
      'insufficient_quota',
      'credit_balance_exhausted',
      'organization_spend_limit_exceeded',
      'project_spend_limit_exceeded',
      'billing_hard_limit_reached',
      'billing_not_active',
    ]) {
      expect(at({ status: 429, headers: {}, body: openaiBody('x', code) })?.kind, code).toBe(
        'quota_exhausted',
      );
      expect(at({ status: 400, headers: {}, body: openaiBody('x', null, code) })?.kind, code).toBe(
        'quota_exhausted',
      );
    }
  });

  it('quota wording alone is not fatal (Gemini per-minute, Scaleway transient INSUFFICIENT QUOTA)', () => {
    expect(
      at({ status: 429, headers: {}, body: { message: 'INSUFFICIENT QUOTA, please retry' } }),
    ).toMatchObject({ kind: 'rate_limited', retryable: true });
    expect(
      at({
        status: 429,
        headers: {},
        body: openaiBody('You exceeded your current quota, please retry', 'rate_limit_exceeded'),
      })?.kind,
    ).toBe('rate_limited');
  });

  it('a Gemini quota with quotaValue 0 is quota_exhausted even without "limit: 0" in the text', () => {
    const c = at({
      status: 429,
      headers: {},
      body: {
        error: {
          code: 429,
          status: 'RESOURCE_EXHAUSTED',
          message: 'You exceeded your current quota.',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [
                { quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier', quotaValue: '0' },
              ],
            },
          ],
        },
      },
    });
    expect(c).toMatchObject({
      kind: 'quota_exhausted',
      limit: 0,
      window: 'day',
      dimension: 'requests',
    });
  });

  it('Groq: the ordinary template with Requested above Limit is request_too_large', () => {
    const c = at({
      status: 429,
      headers: {},
      body: {
        error: {
          message:
            'Rate limit reached for model `llama3-70b-8192` in organization `org_x` on tokens per minute (TPM): Limit 6,000, Used 0, Requested 7,085. Please try again in 10.85s.',
          type: 'tokens',
          code: 'rate_limit_exceeded',
        },
      },
    });
    expect(c).toMatchObject({ kind: 'request_too_large', limit: 6000, used: 0, requested: 7085 });
    expect(c).not.toHaveProperty('retryAfterMs');
  });

  it('OpenAI "engine is currently overloaded" as 429 is overloaded, not rate limited', () => {
    expect(
      at({
        status: 429,
        headers: {},
        body: openaiBody(
          'The engine is currently overloaded, please try again later',
          null,
          'server_error',
        ),
      })?.kind,
    ).toBe('overloaded');
  });

  it('503: overloaded from an LLM provider (also by hint), upstream_error from an unknown API', () => {
    const r = { status: 503, headers: { 'retry-after': '10' }, body: 'Service Unavailable' };
    expect(at(r)).toMatchObject({ kind: 'upstream_error', retryable: true, retryAfterMs: 10_000 });
    expect(at(r, 'openai')).toMatchObject({ kind: 'overloaded', provider: 'openai' });
  });

  it('Stripe lock_timeout 429: object contention, a retryable upstream_error, not a rate limit', () => {
    const r = fixtureById('stripe.lock_timeout').respond(NOW);
    for (const provider of [undefined, 'stripe']) {
      const c = at(r, provider);
      expect(c).toMatchObject({
        kind: 'upstream_error',
        retryable: true,
        upstreamStatus: 429,
        upstreamCode: 'lock_timeout',
      });
      expect(c).not.toHaveProperty('dimension');
      expect(c).not.toHaveProperty('window');
      expect(c?.remediation.steps.map((s) => s.id)).not.toContain('generic.slow-down');
    }
    // The same response with another code is Stripe's rate limiter: still rate_limited.
    const body = r.body as { error: Record<string, unknown> };
    const limited = { ...r, body: { error: { ...body.error, code: 'rate_limit' } } };
    expect(at(limited)?.kind).toBe('rate_limited');
  });

  it('GitHub 429 with x-ratelimit-remaining 0 and a 403 that is just forbidden', () => {
    const epoch = String(Math.floor(NOW / 1000) + 60);
    expect(
      at({
        status: 429,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': epoch },
        body: {},
      }),
    ).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000, remaining: 0 });
    expect(
      at({
        status: 403,
        headers: { 'x-ratelimit-remaining': '4999' },
        body: { message: 'Resource not accessible by integration' },
      }),
    ).toMatchObject({ kind: 'upstream_auth', retryable: false });
  });

  it('statuses: 408/504/522/524 timeout, 409 retryable, other 4xx not, 5xx retryable', () => {
    const kind = (status: number) => {
      const c = at({ status, headers: {}, body: 'x' });
      return [c?.kind, c?.retryable];
    };
    expect(kind(408)).toEqual(['upstream_timeout', true]);
    expect(kind(504)).toEqual(['upstream_timeout', true]);
    expect(kind(524)).toEqual(['upstream_timeout', true]);
    expect(kind(409)).toEqual(['upstream_error', true]);
    expect(kind(400)).toEqual(['upstream_error', false]);
    expect(kind(404)).toEqual(['upstream_error', false]);
    expect(kind(422)).toEqual(['upstream_error', false]);
    expect(kind(500)).toEqual(['upstream_error', true]);
    expect(kind(502)).toEqual(['upstream_error', true]);
    expect(kind(413)).toEqual(['request_too_large', false]);
    expect(kind(402)).toEqual(['quota_exhausted', false]);
    expect(kind(401)).toEqual(['upstream_auth', false]);
    expect(kind(429)).toEqual(['rate_limited', true]);
  });
});

describe('retry timing precedence in classify', () => {
  const body = {
    error: {
      message:
        'Rate limit reached for gpt-4o on tokens per min (TPM): Limit 100, Used 90, Requested 20. Please try again in 6m0s.',
      type: 'tokens',
      param: null,
      code: 'rate_limit_exceeded',
    },
  };
  const reset = { 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '7s' };

  it('retry-after-ms > retry-after > body hint > reset header', () => {
    const at = (headers: Record<string, string>, b: unknown = body) =>
      classify({ status: 429, headers, body: b }, { now: NOW })?.retryAfterMs;
    expect(at({ ...reset, 'retry-after-ms': '250', 'retry-after': '3' })).toBe(250);
    expect(at({ ...reset, 'retry-after': '3' })).toBe(3000);
    expect(at(reset)).toBe(360_000);
    expect(at(reset, { error: { ...body.error, message: 'Rate limit reached' } })).toBe(7000);
  });

  it('skips an absurd value and uses the next source', () => {
    const c = classify(
      { status: 429, headers: { ...reset, 'retry-after': '99999999999' }, body },
      { now: NOW },
    );
    expect(c?.retryAfterMs).toBe(360_000);
    expect(
      classify({ status: 429, headers: { 'retry-after': '99999999999' } }, { now: NOW })
        ?.retryAfterMs,
    ).toBeUndefined();
  });

  it('sets resetAt = now + retryAfterMs and rounds fractional ms up', () => {
    const c = classify(
      { status: 429, headers: { 'retry-after-ms': '10.2' }, body: 'slow down' },
      { now: NOW },
    );
    expect(c?.retryAfterMs).toBe(11);
    expect(c?.resetAt).toBe(NOW + 11);
  });

  it('accepts 30 days and rejects anything beyond', () => {
    const days = (d: number) =>
      classify({ status: 429, headers: { 'retry-after': String(d * 86400) } }, { now: NOW })
        ?.retryAfterMs;
    expect(days(30)).toBe(MAX_RETRY_DELAY_MS);
    expect(days(31)).toBeUndefined();
  });

  it('reads Azure "Please retry after N seconds" and Gemini "Please retry in Ns"', () => {
    const azure = classify(
      {
        status: 429,
        headers: { 'x-ms-region': 'East US' },
        body: { error: { code: '429', message: 'Please retry after 33 seconds.' } },
      },
      { now: NOW },
    );
    expect(azure?.retryAfterMs).toBe(33_000);
    const gemini = classify(
      {
        status: 429,
        headers: {},
        body: {
          error: {
            code: 429,
            status: 'RESOURCE_EXHAUSTED',
            message: 'Quota exceeded. Please retry in 20ms.',
          },
        },
      },
      { now: NOW },
    );
    expect(gemini?.retryAfterMs).toBe(20);
  });

  it('reports no retry timing for kinds that must not be retried', () => {
    const c = classify(
      {
        status: 429,
        headers: { 'retry-after': '5' },
        body: { error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'x' } },
      },
      { now: NOW },
    );
    expect(c?.kind).toBe('quota_exhausted');
    expect(c).not.toHaveProperty('retryAfterMs');
    expect(c).not.toHaveProperty('resetAt');
  });

  it('uses Date.now() when no clock is given', () => {
    const before = Date.now();
    const c = classify({ status: 429, headers: { 'retry-after': '1' } });
    expect(c?.resetAt).toBeGreaterThanOrEqual(before + 1000);
  });
});
