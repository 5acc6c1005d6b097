import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toLogRecord } from '../src/log.js';
import {
  DEFAULT_POLICY,
  DEFAULT_PROBLEM_TYPE_BASE,
  MAX_RETRY_AFTER_SECONDS,
  PASSTHROUGH_POLICY,
  problemType,
  resolvePolicy,
  retryAfterSeconds,
  toProblem,
} from '../src/problem.js';
import { remediationFor } from '../src/remediation/index.js';
import {
  type Classification,
  type StatusPolicyOption,
  UPSTREAM_ERROR_KINDS,
  type UpstreamErrorKind,
} from '../src/types.js';
import { classification } from './support.js';

const SECRET_KEY = `sk-proj-${'Zz9_Yy8-Xx7'.repeat(5)}`;
const ORG = 'org-Q1w2E3r4T5y6U7i8';
const PROJ = 'proj_A1s2D3f4G5h6J7k8';

describe('status policy', () => {
  const expected: Record<string, Record<UpstreamErrorKind, number>> = {
    default: {
      rate_limited: 503,
      overloaded: 503,
      quota_exhausted: 503,
      request_too_large: 413,
      upstream_auth: 502,
      upstream_timeout: 504,
      upstream_error: 502,
    },
    passthrough: {
      rate_limited: 429,
      overloaded: 503,
      quota_exhausted: 503,
      request_too_large: 413,
      upstream_auth: 502,
      upstream_timeout: 504,
      upstream_error: 502,
    },
    override: {
      rate_limited: 429,
      overloaded: 503,
      quota_exhausted: 500,
      request_too_large: 422,
      upstream_auth: 502,
      upstream_timeout: 504,
      upstream_error: 500,
    },
  };
  const options: Record<string, StatusPolicyOption> = {
    default: 'default',
    passthrough: 'passthrough',
    override: {
      rate_limited: 429,
      quota_exhausted: 500,
      request_too_large: 422,
      upstream_error: 500,
    },
  };

  for (const [name, table] of Object.entries(expected)) {
    for (const kind of UPSTREAM_ERROR_KINDS) {
      it(`${name}: ${kind} → ${table[kind]}`, () => {
        const policy = options[name];
        const p = toProblem(classification({ kind }), policy === undefined ? {} : { policy });
        expect(p.status).toBe(table[kind]);
        expect(p.body.status).toBe(table[kind]);
      });
    }
  }

  it('uses the default policy when none is given', () => {
    for (const kind of UPSTREAM_ERROR_KINDS) {
      expect(toProblem(classification({ kind })).status).toBe(DEFAULT_POLICY[kind]);
    }
    expect(resolvePolicy(undefined)).toBe(DEFAULT_POLICY);
    expect(resolvePolicy('passthrough')).toBe(PASSTHROUGH_POLICY);
  });

  it('falls back to the default for invalid overrides', () => {
    const invalid: unknown[] = [200, 302, 399, 600, 429.5, '429', Number.NaN, null, -503, 1e9];
    for (const value of invalid) {
      const policy = { rate_limited: value, quota_exhausted: 507 } as StatusPolicyOption;
      const resolved = resolvePolicy(policy);
      expect(resolved.rate_limited).toBe(503);
      expect(resolved.quota_exhausted).toBe(507);
    }
    for (const policy of ['bogus', 42, null, [], true]) {
      expect(resolvePolicy(policy as StatusPolicyOption)).toEqual(DEFAULT_POLICY);
    }
  });

  it('survives a policy object with throwing getters', () => {
    const policy = {
      get rate_limited(): number {
        throw new Error('boom');
      },
      overloaded: 500,
    } as StatusPolicyOption;
    expect(resolvePolicy(policy)).toEqual({ ...DEFAULT_POLICY, overloaded: 500 });
    expect(toProblem(classification(), { policy }).status).toBe(503);
  });

  it('ignores inherited keys of the override object', () => {
    const policy = Object.create({ rate_limited: 429 }) as StatusPolicyOption;
    // Inherited values are still read (a class instance is a fine policy); a prototype from JSON is not possible.
    expect(resolvePolicy(policy).rate_limited).toBe(429);
  });
});

describe('Retry-After', () => {
  const cases: Array<[ms: number, seconds: number]> = [
    [0, 0],
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [1146, 2],
    [33_000, 33],
    [47_884.324799, 48],
  ];
  it.each(cases)('%d ms → %d s', (ms, seconds) => {
    const p = toProblem(classification({ retryAfterMs: ms }));
    expect(p.headers['retry-after']).toBe(String(seconds));
    expect(p.body.retryAfter).toBe(seconds);
    expect(retryAfterSeconds(classification({ retryAfterMs: ms }))).toBe(seconds);
  });

  it('is absent when the wait is unknown or nonsensical', () => {
    for (const ms of [undefined, Number.NaN, Number.POSITIVE_INFINITY, -1, -0.5]) {
      const c = classification(ms === undefined ? {} : { retryAfterMs: ms });
      const p = toProblem(c);
      expect(p.headers['retry-after']).toBeUndefined();
      expect('retryAfter' in p.body).toBe(false);
    }
  });

  it('is absent when the error is not retryable', () => {
    const p = toProblem(classification({ retryable: false, retryAfterMs: 5000 }));
    expect(p.headers['retry-after']).toBeUndefined();
    expect(p.body.retryAfter).toBeUndefined();
    expect(p.body.detail).not.toMatch(/retry/i);
  });

  it('is never sent for quota, credentials or too-large requests, even if marked retryable', () => {
    for (const kind of ['quota_exhausted', 'upstream_auth', 'request_too_large'] as const) {
      const p = toProblem(classification({ kind, retryable: true, retryAfterMs: 86_400_000 }));
      expect(p.headers['retry-after']).toBeUndefined();
      expect(p.body.retryAfter).toBeUndefined();
    }
  });

  it('is sent for every transient kind that knows its wait', () => {
    for (const kind of [
      'rate_limited',
      'overloaded',
      'upstream_timeout',
      'upstream_error',
    ] as const) {
      const p = toProblem(classification({ kind, retryable: true, retryAfterMs: 2500 }));
      expect(p.headers['retry-after']).toBe('3');
      expect(p.body.detail).toContain('Retry after 3 seconds.');
    }
    expect(toProblem(classification({ retryAfterMs: 1000 })).body.detail).toContain(
      'Retry after 1 second.',
    );
  });

  it('is capped so the header stays a plain integer', () => {
    for (const ms of [1e12, 1e300, Number.MAX_VALUE]) {
      const p = toProblem(classification({ retryAfterMs: ms }));
      expect(p.headers['retry-after']).toBe(String(MAX_RETRY_AFTER_SECONDS));
    }
  });
});

describe('problem document', () => {
  it('is RFC 9457 problem+json with four29 extension members', () => {
    const p = toProblem(
      classification({
        retryAfterMs: 1146,
        dimension: 'tokens',
        window: 'minute',
        upstreamStatus: 429,
        upstreamCode: 'rate_limit_exceeded',
      }),
    );
    expect(p.headers).toEqual({
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      'retry-after': '2',
    });
    expect(p.body).toEqual({
      type: 'https://four29.github.io/four29/problems/rate_limited',
      title: 'Upstream rate limit reached',
      status: 503,
      detail:
        'A service this API depends on is rate limiting our requests (per-minute token limit). Retry after 2 seconds.',
      kind: 'rate_limited',
      retryable: true,
      retryAfter: 2,
      remediation: [
        {
          id: 'generic.retry-after',
          title: expect.any(String),
          detail: expect.any(String),
        },
        { id: 'generic.slow-down', title: expect.any(String), detail: expect.any(String) },
      ],
    });
    expect('statusCode' in p.body).toBe(false);
  });

  it('has a title, a detail and the kind for every kind', () => {
    const titles = new Set<string>();
    for (const kind of UPSTREAM_ERROR_KINDS) {
      const p = toProblem(classification({ kind }));
      expect(p.body.kind).toBe(kind);
      expect(p.body.title.length).toBeGreaterThan(5);
      expect(p.body.detail.length).toBeGreaterThan(20);
      titles.add(p.body.title);
    }
    expect(titles.size).toBe(UPSTREAM_ERROR_KINDS.length);
  });

  it('says retrying will not help for quota and credentials', () => {
    for (const kind of ['quota_exhausted', 'upstream_auth'] as const) {
      expect(toProblem(classification({ kind })).body.detail).toMatch(/will not help/);
    }
    expect(
      toProblem(classification({ kind: 'upstream_error', retryable: false })).body.detail,
    ).toMatch(/will not help/);
  });

  it('gives request size numbers only when both are sane', () => {
    const tooLarge = (over: Partial<Classification>) =>
      toProblem(classification({ kind: 'request_too_large', ...over })).body.detail;
    expect(tooLarge({ requested: 34307, limit: 30000 })).toContain(
      '(34307 requested, limit 30000)',
    );
    expect(tooLarge({ requested: Number.NaN, limit: 30000 })).not.toContain('requested,');
    expect(tooLarge({ requested: -1, limit: 30000 })).not.toContain('requested,');
    expect(tooLarge({ requested: 1e300, limit: 30000 })).not.toContain('requested,');
  });

  it('describes only known dimensions and windows', () => {
    const detail = (over: Partial<Classification>) => toProblem(classification(over)).body.detail;
    expect(detail({ dimension: 'requests', window: 'day' })).toContain('(per-day request limit)');
    expect(detail({ dimension: 'input_tokens' })).toContain('(input-token limit)');
    expect(detail({ dimension: '__proto__' })).not.toContain('object');
    expect(detail({ dimension: 'tokens', window: 'x'.repeat(100_000) as 'day' })).toContain(
      '(token limit)',
    );
  });

  it('shows only caller steps, never operator or billing steps', () => {
    for (const kind of UPSTREAM_ERROR_KINDS) {
      for (const provider of ['openai', 'anthropic', 'azure-openai', 'google', 'bedrock']) {
        const c = classification({ kind, provider });
        const shown = toProblem(c).body.remediation.map((s) => s.id);
        const callerIds = c.remediation.steps
          .filter((s) => s.audience === 'caller')
          .map((s) => s.id);
        expect(shown).toEqual(callerIds);
        expect(JSON.stringify(toProblem(c).body)).not.toContain('"audience"');
      }
    }
    expect(toProblem(classification({ kind: 'quota_exhausted' })).body.remediation).toEqual([]);
  });

  it('treats an unknown kind as upstream_error', () => {
    const p = toProblem(classification({ kind: 'toString' as UpstreamErrorKind }));
    expect(p.body.kind).toBe('upstream_error');
    expect(p.status).toBe(502);
    expect(p.body.title).toBe('Upstream service error');
  });
});

describe('problem type URI', () => {
  it('defaults to the docs page for the kind', () => {
    expect(problemType('quota_exhausted')).toBe(
      'https://four29.github.io/four29/problems/quota_exhausted',
    );
    expect(DEFAULT_PROBLEM_TYPE_BASE).toContain('{kind}');
  });
  it('substitutes {kind} in a configured base', () => {
    const base = 'https://api.example.com/problems/{kind}';
    expect(toProblem(classification(), { problemTypeBase: base }).body.type).toBe(
      'https://api.example.com/problems/rate_limited',
    );
    expect(problemType('overloaded', 'urn:x:{kind}:{kind}')).toBe('urn:x:overloaded:overloaded');
  });
  it('appends the kind to a base without {kind}', () => {
    expect(
      toProblem(classification({ kind: 'overloaded' }), {
        problemTypeBase: 'https://api.example.com/problems/',
      }).body.type,
    ).toBe('https://api.example.com/problems/overloaded');
  });
  it('uses the default for an empty or non-string base', () => {
    expect(problemType('upstream_auth', '')).toBe(problemType('upstream_auth'));
    expect(problemType('upstream_auth', 42 as unknown as string)).toBe(
      problemType('upstream_auth'),
    );
  });
});

describe('never leaks secrets or upstream details', () => {
  const leaky = classification({
    kind: 'rate_limited',
    upstreamStatus: 429,
    upstreamCode: 'rate_limit_exceeded',
    upstreamRequestId: 'req_8f7e6d5c4b3a2910',
    upstreamMessage: `Rate limit reached for gpt-4o in project ${PROJ} organization ${ORG} on tokens per min (TPM) with key ${SECRET_KEY}`,
    retryAfterMs: 1000,
    limit: 50000,
    remaining: 0,
  });

  for (const kind of UPSTREAM_ERROR_KINDS) {
    for (const policy of ['default', 'passthrough'] as const) {
      it(`${kind} / ${policy}`, () => {
        const p = toProblem(
          { ...leaky, kind, remediation: remediationFor(kind, 'openai') },
          {
            policy,
          },
        );
        const wire = JSON.stringify(p);
        for (const secret of [
          SECRET_KEY,
          ORG,
          PROJ,
          'req_8f7e6d5c4b3a2910',
          'Rate limit reached for gpt-4o',
          'rate_limit_exceeded',
          'openai',
          'stack',
          'x-ratelimit',
          'ratelimit',
        ]) {
          expect(wire.toLowerCase()).not.toContain(secret.toLowerCase());
        }
        expect(Object.keys(p.headers).sort()).toEqual(
          p.headers['retry-after'] === undefined
            ? ['cache-control', 'content-type']
            : ['cache-control', 'content-type', 'retry-after'],
        );
      });
    }
  }

  it('drops hand-built steps that are not for the caller or are malformed, and bounds the rest', () => {
    const c = classification({
      remediation: {
        causes: [],
        steps: [
          { id: 'x.operator', title: 'Rotate sk-key', detail: 'secret ops', audience: 'operator' },
          { id: 'x.ok', title: 'Wait', detail: 'd'.repeat(100_000), audience: 'caller' },
          {
            id: 'x.js',
            title: 'Click',
            detail: 'here',
            audience: 'caller',
            url: 'javascript:alert(1)',
          },
          null as never,
          { id: 42, title: 'bad', detail: 'bad', audience: 'caller' } as never,
          ...Array.from({ length: 50 }, (_, i) => ({
            id: `x.many-${i}`,
            title: 'Many',
            detail: 'many',
            audience: 'caller' as const,
          })),
        ],
      },
    });
    const steps = toProblem(c).body.remediation;
    expect(steps.map((s) => s.id).slice(0, 2)).toEqual(['x.ok', 'x.js']);
    expect(steps.length).toBe(8);
    expect(steps[0]?.detail.length).toBe(1001);
    expect(steps[1]).not.toHaveProperty('url');
    expect(JSON.stringify(steps)).not.toContain('operator');
  });

  it('survives a classification without remediation', () => {
    const c = { kind: 'overloaded', provider: 'x', retryable: true } as unknown as Classification;
    expect(toProblem(c).body.remediation).toEqual([]);
  });
});

/** Arbitrary classifications, including what a hand-built or hostile one could hold. */
const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, -1, 1e308),
);
const hugeString = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ maxLength: 5000 }),
  fc.nat({ max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('__proto__', 'constructor', SECRET_KEY, `Bearer ${SECRET_KEY}`),
);
const step = fc.record({
  id: hugeString,
  title: hugeString,
  detail: hugeString,
  audience: fc.constantFrom('caller', 'operator', 'billing-admin'),
  url: fc.option(hugeString, { nil: undefined }),
});
const arbitraryClassification: fc.Arbitrary<Classification> = fc
  .record(
    {
      kind: fc.oneof(fc.constantFrom(...UPSTREAM_ERROR_KINDS), hugeString),
      provider: hugeString,
      retryable: fc.boolean(),
      retryAfterMs: hostileNumber,
      resetAt: hostileNumber,
      dimension: hugeString,
      window: hugeString,
      limit: hostileNumber,
      remaining: hostileNumber,
      used: hostileNumber,
      requested: hostileNumber,
      upstreamStatus: hostileNumber,
      upstreamCode: hugeString,
      upstreamRequestId: hugeString,
      upstreamMessage: hugeString,
      remediation: fc.oneof(
        fc.record({ causes: fc.constant([]), steps: fc.array(step, { maxLength: 30 }) }),
        fc
          .tuple(
            fc.constantFrom(...UPSTREAM_ERROR_KINDS),
            fc.constantFrom('openai', 'anthropic', 'x'),
          )
          .map(([k, p]) => remediationFor(k, p)),
      ),
    },
    { requiredKeys: ['kind', 'provider', 'retryable', 'remediation'] },
  )
  .map((c) => c as unknown as Classification);
const arbitraryPolicy = fc.oneof(
  fc.constantFrom<StatusPolicyOption | undefined>(undefined, 'default', 'passthrough'),
  fc.dictionary(
    fc.constantFrom(...UPSTREAM_ERROR_KINDS),
    hostileNumber,
  ) as fc.Arbitrary<StatusPolicyOption>,
);

describe('properties', () => {
  it('toProblem and toLogRecord never throw and stay within bounds for arbitrary classifications', () => {
    fc.assert(
      fc.property(arbitraryClassification, arbitraryPolicy, (c, policy) => {
        const options = policy === undefined ? {} : { policy };
        const p = toProblem(c, options);
        expect(Number.isInteger(p.status)).toBe(true);
        expect(p.status).toBeGreaterThanOrEqual(400);
        expect(p.status).toBeLessThanOrEqual(599);
        expect(p.body.status).toBe(p.status);
        expect(UPSTREAM_ERROR_KINDS).toContain(p.body.kind);
        const header = p.headers['retry-after'];
        if (header !== undefined) {
          expect(header).toMatch(/^\d+$/);
          expect(Number(header)).toBe(p.body.retryAfter);
          expect(p.body.retryable).toBe(true);
        } else {
          expect(p.body.retryAfter).toBeUndefined();
        }
        const wire = JSON.stringify(p.body);
        expect(wire.length).toBeLessThan(32 * 1024);
        expect(wire).not.toContain(SECRET_KEY);

        const log = toLogRecord(c, undefined, options);
        expect(log.downstream.status).toBe(p.status);
        expect(['warn', 'error']).toContain(log.level);
        const line = JSON.stringify(log);
        expect(line).not.toContain('null');
        expect(line).not.toContain(SECRET_KEY);
        expect(line.length).toBeLessThan(16 * 1024);
      }),
      { numRuns: 300 },
    );
  });
});

describe('docs/problems pages', () => {
  for (const kind of UPSTREAM_ERROR_KINDS) {
    it(`${kind}.md documents the real response`, () => {
      const page = readFileSync(
        new URL(`../../../docs/problems/${kind}.md`, import.meta.url),
        'utf8',
      );
      const example = /```http\n([\s\S]*?)\n```/.exec(page)?.[1] ?? '';
      const [head = '', json = ''] = example.split('\n\n');
      const rendered = toProblem(classification({ kind }));
      expect(head.split('\n')[0]).toMatch(new RegExp(`^HTTP/1.1 ${rendered.status} `));
      const body = JSON.parse(json) as Record<string, unknown>;
      expect(body).toMatchObject({
        type: problemType(kind),
        title: rendered.body.title,
        status: rendered.status,
        kind,
        remediation: rendered.body.remediation,
      });
      expect(head.includes('Retry-After')).toBe('retryAfter' in body);
      expect(page).toContain(`# \`${kind}\``);
    });
  }
});

describe('remediation in the problem', () => {
  it('gives each answer its own steps, so mutating one answer never changes another', () => {
    const a = toProblem(classification({ provider: 'openai' })).body.remediation;
    expect(a.length).toBeGreaterThan(0);
    (a as unknown as { title: string }[])[0]!.title = 'changed';
    const b = toProblem(classification({ provider: 'openai' })).body.remediation;
    expect(b[0]?.title).not.toBe('changed');
    expect(remediationFor('rate_limited', 'openai').steps.map((s) => s.title)).not.toContain(
      'changed',
    );
  });

  it('checks a hand-built step even when it sits among catalogue steps', () => {
    const steps = [
      ...remediationFor('rate_limited', 'openai').steps,
      {
        id: 'x.leak',
        audience: 'caller' as const,
        title: 'Call us',
        detail: `key=${'A1b2C3d4'.repeat(3)}`,
      },
    ];
    const body = toProblem(classification({ remediation: { causes: [], steps } })).body;
    expect(body.remediation.map((s) => s.id)).toContain('x.leak');
    expect(JSON.stringify(body)).not.toContain('A1b2C3d4');
  });
});
