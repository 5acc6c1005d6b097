import { describe, expect, it } from 'vitest';
import { redact } from '../src/redact.js';
import { REMEDIATION_CAUSES, REMEDIATION_STEPS, remediationFor } from '../src/remediation/index.js';
import {
  type ProviderId,
  type Remediation,
  UPSTREAM_ERROR_KINDS,
  type UpstreamErrorKind,
} from '../src/types.js';

const PROVIDERS = [
  'openai',
  'azure-openai',
  'anthropic',
  'google',
  'bedrock',
  'openrouter',
  'github',
  'mistral',
  'cohere',
  'deepseek',
  'xai',
  'together',
  'fireworks',
  'perplexity',
  'ollama',
  'vllm',
  'generic',
] as const;

/** Step namespaces that are not a provider id. */
const OWNERS: Readonly<Record<string, readonly string[]>> = {
  azure: ['azure-openai'],
  local: ['ollama', 'vllm'],
};

const ids = (r: Remediation) => r.steps.map((s) => s.id);
const causeIds = (r: Remediation) => r.causes.map((c) => c.id);
const byAudience = (r: Remediation, audience: string) =>
  r.steps.filter((s) => s.audience === audience).map((s) => s.id);

/**
 * /work/shared/reference/openai-429-guide.txt, step by step: each line of the guide and the step
 * id that covers it. A missing id fails the test with the guide line it stands for.
 */
const OPENAI_QUOTA_GUIDE_STEPS: ReadonlyArray<readonly [guide: string, id: string]> = [
  ['Review usage and monthly budget settings', 'openai.review-usage-and-budget'],
  ['Adjust the monthly budget closer to the maximum allowed', 'openai.raise-monthly-budget'],
  [
    'Request a usage-limit increase (higher tier or exception form)',
    'openai.request-limit-increase',
  ],
  ['Create or transition to a paid account', 'openai.upgrade-to-paid-plan'],
  ['Add a payment method', 'openai.add-payment-method'],
  ['Generate a new API key if the key predates the upgrade', 'openai.new-key-after-upgrade'],
  ['Allow up to 10 minutes after the upgrade', 'openai.wait-after-upgrade'],
  ['Monitor usage on the usage dashboard', 'openai.monitor-usage'],
  ['Set soft and hard spending caps', 'openai.set-spend-caps'],
  ['Delete old keys and create a new one if it persists', 'openai.replace-old-keys'],
  [
    'Free credits only for the first account per phone number',
    'openai.free-credits-first-account-only',
  ],
];

const OPENAI_QUOTA_GUIDE_CAUSES: ReadonlyArray<readonly [guide: string, id: string]> = [
  ['Free tokens used up or expired after three months', 'openai.free-credits-exhausted'],
  ['Default organization on a free trial', 'openai.free-trial-default-org'],
  ['Monthly budget lower than needs', 'openai.monthly-budget-too-low'],
  ['High-demand (high-cost) requests', 'openai.high-cost-requests'],
  ['Large data sets needing many requests', 'openai.large-data-set'],
  ['Prepaid credits exhausted', 'openai.prepaid-credits-exhausted'],
];

describe('OpenAI quota exhaustion covers the whole OpenAI 429 guide', () => {
  const codes = [
    undefined,
    'insufficient_quota',
    'credit_balance_exhausted',
    'organization_spend_limit_exceeded',
    'project_spend_limit_exceeded',
  ];
  for (const code of codes) {
    const r = remediationFor('quota_exhausted', 'openai', code);
    it.each(OPENAI_QUOTA_GUIDE_STEPS)(`step "%s" (code ${code})`, (_guide, id) => {
      expect(ids(r)).toContain(id);
    });
    it.each(OPENAI_QUOTA_GUIDE_CAUSES)(`cause "%s" (code ${code})`, (_guide, id) => {
      expect(causeIds(r)).toContain(id);
    });
  }

  it('keeps the guide order: review and budget first, re-keying after the upgrade', () => {
    const order = ids(remediationFor('quota_exhausted', 'openai', 'insufficient_quota'));
    const at = (id: string) => order.indexOf(id);
    expect(at('openai.review-usage-and-budget')).toBeLessThan(at('openai.raise-monthly-budget'));
    expect(at('openai.raise-monthly-budget')).toBeLessThan(at('openai.upgrade-to-paid-plan'));
    expect(at('openai.upgrade-to-paid-plan')).toBeLessThan(at('openai.new-key-after-upgrade'));
    expect(at('openai.new-key-after-upgrade')).toBeLessThan(at('openai.wait-after-upgrade'));
  });

  it('links budget and billing steps to the OpenAI console', () => {
    const steps = remediationFor('quota_exhausted', 'openai').steps;
    const url = (id: string) => steps.find((s) => s.id === id)?.url;
    expect(url('openai.raise-monthly-budget')).toBe(
      'https://platform.openai.com/settings/organization/limits',
    );
    expect(url('openai.add-payment-method')).toBe(
      'https://platform.openai.com/settings/organization/billing/overview',
    );
    expect(url('openai.monitor-usage')).toBe('https://platform.openai.com/usage');
    expect(url('openai.new-key-after-upgrade')).toBe('https://platform.openai.com/api-keys');
  });

  it('gives billing steps to the billing admin and nothing to the caller', () => {
    const r = remediationFor('quota_exhausted', 'openai');
    expect(byAudience(r, 'caller')).toEqual([]);
    expect(byAudience(r, 'billing-admin')).toEqual(
      expect.arrayContaining([
        'openai.raise-monthly-budget',
        'openai.upgrade-to-paid-plan',
        'openai.add-payment-method',
        'openai.set-spend-caps',
      ]),
    );
    expect(byAudience(r, 'operator')).toEqual(
      expect.arrayContaining(['openai.new-key-after-upgrade', 'generic.stop-retrying-quota']),
    );
  });

  it('puts the spend limit first for spend-limit codes and credits first for credit codes', () => {
    expect(
      causeIds(remediationFor('quota_exhausted', 'openai', 'project_spend_limit_exceeded'))[0],
    ).toBe('openai.spend-limit-reached');
    expect(ids(remediationFor('quota_exhausted', 'openai', 'credit_balance_exhausted'))[0]).toBe(
      'openai.add-credits',
    );
  });
});

describe('provider-specific steps', () => {
  it('OpenAI rate limits: backoff honouring Retry-After, lower max_tokens, batch, higher tier', () => {
    const r = remediationFor('rate_limited', 'openai', 'rate_limit_exceeded');
    expect(ids(r)).toEqual(
      expect.arrayContaining([
        'generic.retry-after',
        'generic.backoff-with-jitter',
        'openai.pace-requests',
        'generic.lower-max-tokens',
        'openai.batch-requests',
        'openai.raise-usage-tier',
      ]),
    );
    expect(r.steps.find((s) => s.id === 'openai.pace-requests')?.url).toBe(
      'https://platform.openai.com/docs/guides/rate-limits',
    );
  });

  it('too-large requests: the caller shrinks the prompt or max_tokens', () => {
    for (const provider of PROVIDERS) {
      const r = remediationFor('request_too_large', provider);
      expect(byAudience(r, 'caller')).toEqual(['generic.shrink-request']);
      expect(r.steps[0]?.detail).toMatch(/max_tokens/);
    }
  });

  it('overload: back off and fall back to another model', () => {
    for (const provider of PROVIDERS) {
      expect(ids(remediationFor('overloaded', provider))).toEqual(
        expect.arrayContaining(['generic.backoff-with-jitter', 'generic.fallback-model']),
      );
    }
    expect(ids(remediationFor('overloaded', 'anthropic'))).toContain('anthropic.check-status');
  });

  it('auth: check or rotate the key, and the OpenAI organization/project header', () => {
    expect(ids(remediationFor('upstream_auth', 'openai'))).toEqual(
      expect.arrayContaining([
        'openai.check-api-key',
        'openai.check-organization-and-project-headers',
      ]),
    );
    expect(ids(remediationFor('upstream_auth', 'anthropic'))).toContain('anthropic.check-api-key');
    expect(ids(remediationFor('upstream_auth', 'azure-openai'))).toContain(
      'azure.check-key-and-endpoint',
    );
    expect(ids(remediationFor('upstream_auth', 'bedrock'))).toContain(
      'bedrock.check-iam-and-model-access',
    );
  });

  it('Anthropic: credits, spend limits and tiers in the console', () => {
    const r = remediationFor('quota_exhausted', 'anthropic');
    expect(ids(r)).toEqual(
      expect.arrayContaining([
        'anthropic.buy-credits',
        'anthropic.raise-spend-limit',
        'anthropic.raise-tier',
      ]),
    );
    expect(r.steps.find((s) => s.id === 'anthropic.buy-credits')?.url).toBe(
      'https://console.anthropic.com/settings/billing',
    );
    expect(
      ids(remediationFor('quota_exhausted', 'anthropic', 'enforced_spend_limit_reached'))[0],
    ).toBe('anthropic.raise-spend-limit');
    expect(ids(remediationFor('rate_limited', 'anthropic'))).toContain('anthropic.raise-tier');
  });

  it('Azure: quota increase form, deployment TPM, another region or deployment', () => {
    const r = remediationFor('rate_limited', 'azure-openai');
    expect(ids(r)).toEqual(
      expect.arrayContaining([
        'azure.raise-deployment-tpm',
        'azure.request-quota-increase',
        'azure.spread-across-deployments',
      ]),
    );
    expect(r.steps.find((s) => s.id === 'azure.request-quota-increase')?.url).toBe(
      'https://aka.ms/oai/quotaincrease',
    );
  });

  it('Google: enable billing when the limit is 0, quota increases for Vertex', () => {
    const r = remediationFor('quota_exhausted', 'google');
    expect(ids(r)[0]).toBe('google.enable-billing');
    expect(ids(r)).toContain('google.vertex-request-quota-increase');
    expect(causeIds(r)[0]).toBe('google.limit-zero');
    expect(r.steps.find((s) => s.id === 'google.vertex-request-quota-increase')?.url).toBe(
      'https://console.cloud.google.com/iam-admin/quotas',
    );
  });

  it('Bedrock: Service Quotas, provisioned throughput, cross-region inference', () => {
    expect(ids(remediationFor('rate_limited', 'bedrock', 'ThrottlingException'))).toEqual(
      expect.arrayContaining([
        'bedrock.request-quota-increase',
        'bedrock.provisioned-throughput',
        'bedrock.cross-region-inference',
      ]),
    );
  });

  it('OpenRouter: add credits', () => {
    const r = remediationFor('quota_exhausted', 'openrouter', '402');
    expect(ids(r)[0]).toBe('openrouter.add-credits');
    expect(r.steps[0]?.url).toBe('https://openrouter.ai/settings/credits');
  });

  it('GitHub: authenticate, wait for x-ratelimit-reset, avoid concurrent requests', () => {
    expect(ids(remediationFor('rate_limited', 'github'))).toEqual(
      expect.arrayContaining([
        'github.authenticate-requests',
        'github.wait-for-reset',
        'github.avoid-concurrent-requests',
      ]),
    );
  });
});

describe('every kind × provider', () => {
  const providers: ProviderId[] = [...PROVIDERS, 'some-new-provider'];
  const expectedCaller: Record<UpstreamErrorKind, string[]> = {
    rate_limited: ['generic.retry-after', 'generic.slow-down'],
    overloaded: ['generic.retry-after'],
    quota_exhausted: [],
    upstream_auth: [],
    request_too_large: ['generic.shrink-request'],
    upstream_timeout: ['generic.retry-if-retryable'],
    upstream_error: ['generic.retry-if-retryable'],
  };

  for (const kind of UPSTREAM_ERROR_KINDS) {
    for (const provider of providers) {
      it(`${kind} × ${provider}`, () => {
        const r = remediationFor(kind, provider);
        expect(byAudience(r, 'caller')).toEqual(expectedCaller[kind]);
        // Someone behind the service always has something to do.
        expect(r.steps.some((s) => s.audience !== 'caller')).toBe(true);
        expect(r.causes.length).toBeGreaterThan(0);
        // Caller steps first: the response lists what the client can do before anything else.
        const firstOther = r.steps.findIndex((s) => s.audience !== 'caller');
        expect(r.steps.slice(firstOther).every((s) => s.audience !== 'caller')).toBe(true);
        expect(new Set(ids(r)).size).toBe(r.steps.length);
        expect(new Set(causeIds(r)).size).toBe(r.causes.length);
        // Provider steps only for their own provider.
        const known = PROVIDERS.filter((p) => p !== 'generic') as string[];
        for (const id of ids(r)) {
          const ns = id.split('.')[0] ?? '';
          if (ns === 'generic') continue;
          const owners = OWNERS[ns] ?? [ns];
          for (const owner of owners) expect(known).toContain(owner);
          expect(owners).toContain(provider);
        }
      });
    }
  }

  it('unknown providers get exactly the generic remediation', () => {
    for (const kind of UPSTREAM_ERROR_KINDS) {
      expect(remediationFor(kind, 'some-unknown-llm')).toBe(remediationFor(kind, 'generic'));
      expect(
        ids(remediationFor(kind, 'some-unknown-llm')).every((id) => id.startsWith('generic.')),
      ).toBe(true);
    }
  });

  it('known providers add their own steps on top of the generic ones', () => {
    const generic = ids(remediationFor('rate_limited', 'generic'));
    const openai = ids(remediationFor('rate_limited', 'openai'));
    expect(openai.length).toBeGreaterThan(4);
    for (const id of ['generic.retry-after', 'generic.backoff-with-jitter']) {
      expect(generic).toContain(id);
      expect(openai).toContain(id);
    }
    // The unknown-provider hint is replaced by the provider's precise one.
    expect(generic).toContain('generic.request-higher-limit');
    expect(openai).not.toContain('generic.request-higher-limit');
  });
});

describe('lookup behaviour', () => {
  it('returns frozen, shared objects', () => {
    const a = remediationFor('rate_limited', 'openai');
    const b = remediationFor('rate_limited', 'openai');
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.steps)).toBe(true);
    expect(Object.isFrozen(a.causes)).toBe(true);
    expect(a.steps.every((s) => Object.isFrozen(s))).toBe(true);
    expect(() => {
      (a.steps as unknown as RemediationStepLike[]).push({ id: 'x' });
    }).toThrow(TypeError);
    expect(remediationFor('rate_limited', 'openai', 'unknown_code')).toBe(a);
  });

  it('normalizes provider spelling and aliases', () => {
    expect(remediationFor('quota_exhausted', 'OpenAI')).toBe(
      remediationFor('quota_exhausted', 'openai'),
    );
    expect(remediationFor('rate_limited', ' azure ')).toBe(
      remediationFor('rate_limited', 'azure-openai'),
    );
    expect(remediationFor('rate_limited', 'vertex-ai')).toBe(
      remediationFor('rate_limited', 'google'),
    );
    expect(remediationFor('quota_exhausted', 'anthropic', 'ENFORCED_SPEND_LIMIT_REACHED')).toBe(
      remediationFor('quota_exhausted', 'anthropic', 'enforced_spend_limit_reached'),
    );
  });

  it('never throws, whatever it is given', () => {
    const hostile: unknown[] = [
      null,
      undefined,
      42,
      Number.NaN,
      {},
      [],
      Symbol('x'),
      () => 1,
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'x'.repeat(1_000_000),
      new Proxy(
        {},
        {
          get() {
            throw new Error('boom');
          },
        },
      ),
    ];
    for (const kind of [...hostile, ...UPSTREAM_ERROR_KINDS]) {
      for (const provider of [...hostile, 'openai']) {
        for (const code of [...hostile, 'insufficient_quota']) {
          const r = remediationFor(
            kind as UpstreamErrorKind,
            provider as ProviderId,
            code as string,
          );
          expect(Array.isArray(r.steps)).toBe(true);
          expect(Array.isArray(r.causes)).toBe(true);
        }
      }
    }
    expect(remediationFor('toString' as UpstreamErrorKind, 'openai').steps).toEqual([]);
    expect(remediationFor('rate_limited', '__proto__')).toBe(
      remediationFor('rate_limited', 'generic'),
    );
  });
});

interface RemediationStepLike {
  readonly id: string;
}

describe('the catalogue itself', () => {
  it('has step ids that are labels a log can carry as they are: no redaction pattern touches them', () => {
    // The log record trusts catalogue ids (it guards only hand-built ones), so each must already
    // be what the guard would let through.
    for (const { id } of Object.values(REMEDIATION_STEPS)) {
      expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/);
      expect(redact(id), id).toBe(id);
    }
  });

  const steps = Object.values(REMEDIATION_STEPS);
  const causes = Object.values(REMEDIATION_CAUSES);
  const allUsedSteps = new Set<string>();
  const allUsedCauses = new Set<string>();
  for (const kind of UPSTREAM_ERROR_KINDS) {
    for (const provider of PROVIDERS) {
      for (const code of [
        undefined,
        'credit_balance_exhausted',
        'organization_spend_limit_exceeded',
        'enforced_spend_limit_reached',
        'billing_error',
        '402',
      ]) {
        const r = remediationFor(kind, provider, code);
        for (const s of r.steps) allUsedSteps.add(s.id);
        for (const c of r.causes) allUsedCauses.add(c.id);
      }
    }
  }

  it('has stable, namespaced ids matching their keys', () => {
    for (const [key, step] of Object.entries(REMEDIATION_STEPS)) {
      expect(step.id).toBe(key);
      expect(step.id).toMatch(
        /^(generic|openai|azure|anthropic|google|bedrock|openrouter|github|mistral|cohere|deepseek|xai|together|fireworks|perplexity|local)\.[a-z0-9-]+$/,
      );
    }
    for (const [key, cause] of Object.entries(REMEDIATION_CAUSES)) {
      expect(cause.id).toBe(key);
      expect(cause.id).toMatch(/^[a-z]+\.[a-z0-9-]+$/);
    }
  });

  it('has a title, a detail and a known audience for every step', () => {
    for (const s of steps) {
      expect(s.title.length).toBeGreaterThan(5);
      expect(s.title.length).toBeLessThanOrEqual(100);
      expect(s.detail.length).toBeGreaterThan(20);
      expect(['caller', 'operator', 'billing-admin']).toContain(s.audience);
    }
    for (const c of causes) expect(c.text.length).toBeGreaterThan(10);
  });

  it('links only https pages of the providers and their docs', () => {
    const hosts = new Set([
      'platform.openai.com',
      'help.openai.com',
      'status.openai.com',
      'console.anthropic.com',
      'docs.anthropic.com',
      'status.anthropic.com',
      'learn.microsoft.com',
      'aka.ms',
      'aistudio.google.com',
      'ai.google.dev',
      'cloud.google.com',
      'console.cloud.google.com',
      'console.aws.amazon.com',
      'docs.aws.amazon.com',
      'openrouter.ai',
      'docs.github.com',
      'admin.mistral.ai',
      'console.mistral.ai',
      'docs.mistral.ai',
      'dashboard.cohere.com',
      'docs.cohere.com',
      'platform.deepseek.com',
      'api-docs.deepseek.com',
      'console.x.ai',
      'api.together.xyz',
      'docs.together.ai',
      'www.perplexity.ai',
    ]);
    for (const s of steps) {
      if (s.url === undefined) continue;
      const url = new URL(s.url);
      expect(url.protocol).toBe('https:');
      expect(hosts).toContain(url.hostname);
    }
  });

  it('gives callers no console links: they have no access to our provider account', () => {
    for (const s of steps.filter((x) => x.audience === 'caller')) expect(s.url).toBeUndefined();
  });

  it('has no dead entries: every step and cause is reachable from some kind × provider', () => {
    expect(steps.map((s) => s.id).filter((id) => !allUsedSteps.has(id))).toEqual([]);
    expect(causes.map((c) => c.id).filter((id) => !allUsedCauses.has(id))).toEqual([]);
  });
});
