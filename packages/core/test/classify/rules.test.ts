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

describe('taxonomy edges of OpenAI-compatible providers', () => {
  const msg = (status: number, message: string) => ({ status, headers: {}, body: { message } });

  it('trial, monthly and prepaid caps answered with 429 are quota_exhausted, never retried', () => {
    expect(at(fixtureById('cohere.trial.monthly_limit').respond(NOW))).toMatchObject({
      kind: 'quota_exhausted',
      retryable: false,
    });
    expect(at(fixtureById('xai.credits_or_spending_limit').respond(NOW))).toMatchObject({
      kind: 'quota_exhausted',
      retryable: false,
    });
    for (const [status, text] of [
      [429, 'You are using a Trial key, which is limited to 1000 API calls / month.'],
      [429, 'Monthly usage limit reached for this workspace.'],
      [429, 'Your prepaid credits are exhausted.'],
      // xAI sends the credits message as 403 too: not a credentials problem.
      [
        403,
        'Your team 00000000-0000-4000-8000-000000000000 has either used all available credits or reached its monthly spending limit.',
      ],
    ] as const) {
      const c = at(msg(status, text));
      expect(c, text).toMatchObject({ kind: 'quota_exhausted', retryable: false });
      expect(c?.retryAfterMs, text).toBeUndefined();
    }
  });

  it('the same wording with a per-minute window stays a retryable rate limit', () => {
    expect(at(fixtureById('cohere.trial.per_minute').respond(NOW))).toMatchObject({
      kind: 'rate_limited',
      retryable: true,
    });
    // Together's free-tier limiter says `credit_limit`, but it is 60 queries per minute.
    expect(at(fixtureById('together.rate_limit.free_tier').respond(NOW))).toMatchObject({
      kind: 'rate_limited',
      retryable: true,
    });
    expect(at(msg(429, 'Limited to 10 API calls / minute.'))?.kind).toBe('rate_limited');
    // "month" as a mere word is not a monthly cap.
    expect(at(msg(429, 'Too many requests this month? Slow down.'))?.kind).toBe('rate_limited');
  });

  it('capacity and tier overloads are overloaded, whatever status carries them', () => {
    expect(at(fixtureById('mistral.overloaded.service_tier_capacity').respond(NOW))).toMatchObject({
      kind: 'overloaded',
      retryable: true,
    });
    expect(at(fixtureById('groq.flex.capacity_exceeded').respond(NOW))).toMatchObject({
      kind: 'overloaded',
      retryable: true,
    });
    for (const status of [429, 503, 498])
      expect(at(msg(status, 'Service tier capacity exceeded for this model.'))?.kind).toBe(
        'overloaded',
      );
    expect(at(msg(429, 'No capacity available for model gemini-x on the server'))?.kind).toBe(
      'overloaded',
    );
    // 498 alone is not capacity (Cohere uses it for blocked, unsafe requests).
    expect(at(msg(498, 'blocked: unsafe request'))?.kind).toBe('upstream_error');
    // And capacity wording on a 400 is the caller's request, not an overload.
    expect(at(msg(400, 'capacity exceeded'))?.kind).toBe('upstream_error');
  });

  it('a request too big for the model is request_too_large, a TPM limit stays rate_limited', () => {
    expect(at(fixtureById('vllm.context_length').respond(NOW))).toMatchObject({
      kind: 'request_too_large',
      retryable: false,
      dimension: 'tokens',
      limit: 6048,
      requested: 6616,
    });
    expect(
      at(
        msg(
          400,
          'Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length',
        ),
      ),
    ).toMatchObject({
      kind: 'request_too_large',
      dimension: 'input_tokens',
      limit: 32768,
      requested: 40000,
    });
    expect(
      at(msg(422, 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 8193.')),
    ).toMatchObject({ kind: 'request_too_large', limit: 8193 });
    expect(
      at(
        msg(400, 'too many tokens: size limit exceeded by 1234 tokens. Try using shorter inputs.'),
      ),
    ).toMatchObject({ kind: 'request_too_large', retryable: false });

    const tpm = at({
      status: 429,
      headers: {},
      body: {
        error: {
          message:
            'Rate limit reached for gpt-4o in organization org-FAKEorg0000 on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2s.',
          type: 'tokens',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
    });
    expect(tpm).toMatchObject({ kind: 'rate_limited', retryable: true, dimension: 'tokens' });
    // Bedrock's "Too many tokens, please wait" is its token rate limit, not a size limit.
    expect(at(msg(429, 'Too many tokens, please wait before trying again.'))?.kind).toBe(
      'rate_limited',
    );
    expect(at(msg(400, 'Too many tokens, please wait before trying again.'))?.kind).toBe(
      'upstream_error',
    );
  });
});
