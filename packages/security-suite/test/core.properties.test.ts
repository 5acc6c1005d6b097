/**
 * Properties over core's public entry points with the adversarial arbitraries of this suite:
 * every shape a client library throws, built from hostile parts, wrapped, frozen, with throwing
 * getters. Core's own properties cover plain `fc.anything()` and well-typed classifications; these
 * cover what sits between the two.
 */
import {
  type Classification,
  classify,
  createUpstreamErrorHandler,
  type Four29Logger,
  type Four29Options,
  type HandleContext,
  toLogRecord,
  toProblem,
  UPSTREAM_ERROR_KINDS,
} from '@four29/core';
import { FIXTURE_NOW } from '@four29/fixtures';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  causeChain,
  hostileLeaf,
  lazy,
  oddLeaf,
  realize,
  throwingProxy,
  thrownValue,
  unprintable,
  upstreamLike,
} from '../src/arbitraries.js';
import { expectValidHandled, expectValidLogRecord, expectValidProblem } from '../src/checks.js';
import { counting, type ReadCounter } from '../src/counting.js';
import { fcParams } from '../src/runs.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function expectValidClassification(c: Classification | null): void {
  if (c === null) return;
  expect(UPSTREAM_ERROR_KINDS).toContain(c.kind);
  expect(typeof c.provider).toBe('string');
  expect(typeof c.retryable).toBe('boolean');
  if (c.retryAfterMs !== undefined) {
    expect(Number.isSafeInteger(c.retryAfterMs)).toBe(true);
    expect(c.retryAfterMs).toBeGreaterThanOrEqual(0);
  }
  if (c.upstreamMessage !== undefined) {
    expect(c.upstreamMessage.length).toBeLessThanOrEqual(1001);
    expect(c.upstreamMessage).not.toMatch(/[\r\n]/);
  }
  // What the classification feeds must render without throwing.
  expectValidProblem(toHttp(toProblem(c)));
  expectValidLogRecord(toLogRecord(c));
}

function toHttp(p: ReturnType<typeof toProblem>) {
  return { status: p.status, headers: p.headers, body: JSON.stringify(p.body) };
}

/**
 * Upper bound on foreign property reads (Proxy trap calls) for one classification, whatever the
 * input's size: core reads at most 256 headers (about 800 reads for a 100,000-header response), at
 * most 8 cause links, and bodies only along known paths. Generated inputs stay around 300.
 */
const MAX_READS = 2_000;

describe('classify', () => {
  it('never throws and returns null or a valid, renderable classification', () => {
    fc.assert(
      fc.property(thrownValue, (make) => {
        const value = make();
        let c: Classification | null = null;
        expect(() => {
          c = classify(value, { now: FIXTURE_NOW });
        }).not.toThrow();
        expectValidClassification(c);
      }),
      fcParams('core.classify.shapes'),
    );
  });

  it('reads a bounded number of properties from any input (no clock involved)', () => {
    let most = 0;
    fc.assert(
      fc.property(thrownValue, (make) => {
        const counter: ReadCounter = { reads: 0 };
        classify(counting(make(), counter), { now: FIXTURE_NOW });
        most = Math.max(most, counter.reads);
        expect(counter.reads).toBeLessThanOrEqual(MAX_READS);
      }),
      fcParams('core.classify.bounded-reads'),
    );
    // Guards the guard: the counter really sees the reads.
    expect(most).toBeGreaterThan(10);
  });

  it('does the same work for a 100,000-header response as for a 300-header one', () => {
    const reads = (n: number) => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < n; i++) headers[`x-filler-${i}`] = String(i);
      headers['retry-after'] = '5';
      const counter: ReadCounter = { reads: 0 };
      const c = classify(counting({ status: 429, headers, body: 'x' }, counter), {
        now: FIXTURE_NOW,
      });
      expect(c?.kind).toBe('rate_limited');
      return counter.reads;
    };
    expect(reads(100_000)).toBeLessThanOrEqual(reads(300) + 10);
  });

  it('does the same work for a body with 100,000 keys or 10,000 levels as for a small one', () => {
    const wide: Record<string, unknown> = { error: { code: 'rate_limit_exceeded', message: 'm' } };
    for (let i = 0; i < 100_000; i++) wide[`k${i}`] = i;
    let deep: unknown = { error: { code: 'rate_limit_exceeded', message: 'm' } };
    for (let i = 0; i < 10_000; i++) deep = { error: deep, details: [deep] };
    const reads = (body: unknown) => {
      const counter: ReadCounter = { reads: 0 };
      expectValidClassification(
        classify(counting({ status: 429, headers: {}, body }, counter), { now: FIXTURE_NOW }),
      );
      return counter.reads;
    };
    const small = reads({ error: { code: 'rate_limit_exceeded', message: 'm' } });
    expect(reads(wide)).toBeLessThanOrEqual(small + 50);
    expect(reads(deep)).toBeLessThanOrEqual(MAX_READS);
  });
});

// ─── createUpstreamErrorHandler with arbitrary options ───────────────────────────────────────

interface Captured {
  records: unknown[];
}

const logger = (captured: Captured): fc.Arbitrary<Four29Logger | false | undefined> =>
  fc
    .constantFrom<'capture' | 'throws' | 'proxy' | 'false' | 'partial'>(
      'capture',
      'capture',
      'throws',
      'proxy',
      'false',
      'partial',
    )
    .map((kind) => {
      switch (kind) {
        case 'throws':
          return {
            warn() {
              throw new Error('logger down');
            },
            error() {
              throw new Error('logger down');
            },
          };
        case 'proxy':
          return lazy('throwingProxy()', throwingProxy) as unknown as Four29Logger;
        case 'false':
          return false;
        case 'partial':
          // A logger missing `error`: the handler must not crash on quota errors.
          return {
            warn: (obj: Record<string, unknown>) => captured.records.push(obj),
          } as unknown as Four29Logger;
        default:
          return {
            warn: (obj) => captured.records.push(obj),
            error: (obj) => captured.records.push(obj),
          };
      }
    });

const policy = fc.oneof(
  fc.constantFrom<unknown>(undefined, 'default', 'passthrough', 'nonsense', null, 42),
  fc.dictionary(
    fc.constantFrom(...UPSTREAM_ERROR_KINDS, '__proto__', 'x'),
    fc.oneof(fc.integer({ min: 100, max: 700 }), hostileLeaf),
  ),
  fc.constant(lazy('throwingProxy()', throwingProxy)),
);

const redaction = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      patterns: fc.oneof(
        fc.array(fc.constantFrom(/secret/i, /[0-9]{4}/g, /x/y, /(?:)/g), { maxLength: 3 }),
        fc.array(hostileLeaf, { maxLength: 2 }),
        hostileLeaf,
      ),
      replacement: fc.oneof(fc.constantFrom('***', '', '\r\nInjected: 1', '$&$1'), hostileLeaf),
    },
    { requiredKeys: [] },
  ),
);

const clock = fc.oneof(
  fc.constant(() => FIXTURE_NOW),
  fc.constantFrom<() => unknown>(
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => -1e300,
    () => '2026',
    () => {
      throw new Error('clock');
    },
  ),
);

const context: fc.Arbitrary<HandleContext | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      method: fc.oneof(fc.constantFrom('GET', 'POST'), fc.string({ maxLength: 30 })),
      path: fc.oneof(
        fc.constantFrom(
          '/v1/chat?key=AIzaSyFAKEFAKEFAKEFAKEFAKEFAKE00000',
          '/keys/sk-proj-0123456789abcdefghij/x',
          '/a\r\nb',
          '',
        ),
        fc.string({ maxLength: 300 }),
      ),
      requestId: fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.constant('sk-proj-0123456789abcdefghijklmn'),
      ),
      downstreamStatus: fc.oneof(fc.integer({ min: -10, max: 1000 }), fc.double()),
      responseStarted: fc.boolean(),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<HandleContext>,
);

describe('createUpstreamErrorHandler', () => {
  it('never throws, whatever the error, the options and the context; answers are valid problems', () => {
    const captured: Captured = { records: [] };
    // Without a logger option the default writes one JSON line per record to the console.
    const lines: unknown[] = [];
    vi.spyOn(console, 'warn').mockImplementation((line: unknown) => lines.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => lines.push(line));
    fc.assert(
      fc.property(
        thrownValue,
        fc.record(
          {
            policy,
            logger: logger(captured),
            redaction,
            problemTypeBase: fc.oneof(
              fc.constantFrom(
                'https://errors.example.com/{kind}',
                'https://x.example/',
                '{kind}{kind}',
              ),
              fc.string({ maxLength: 50 }),
              hostileLeaf,
            ),
            provider: fc.oneof(
              fc.constantFrom('openai', '__proto__', 'constructor'),
              fc.string(),
              hostileLeaf,
            ),
            shouldHandle: fc.constantFrom<unknown>(
              undefined,
              () => false,
              () => true,
              () => {
                throw new Error('predicate');
              },
              () => unprintable(),
              lazy('unprintable()', unprintable),
              'not a function',
            ),
            logSuppression: fc.oneof(
              fc.constant(false),
              fc.constant(undefined),
              fc.record(
                {
                  windowMs: fc.oneof(fc.double(), fc.integer()),
                  maxKeys: fc.oneof(fc.double(), fc.integer()),
                },
                { requiredKeys: [] },
              ),
              // Options are the operator's configuration, read once at setup: odd types, not traps.
              oddLeaf,
            ),
            now: clock,
          },
          { requiredKeys: [] },
        ),
        context,
        (make, lazyOptions, ctx) => {
          const value = make();
          const options = realize(lazyOptions) as Four29Options;
          captured.records.length = 0;
          let handle: ReturnType<typeof createUpstreamErrorHandler> | undefined;
          expect(() => {
            handle = createUpstreamErrorHandler(options as Four29Options);
          }).not.toThrow();
          let handled: ReturnType<NonNullable<typeof handle>> = null;
          expect(() => {
            handled = handle!(value, ctx);
          }).not.toThrow();
          if (handled === null) return;
          expectValidHandled(handled, {
            // A configured type base is the operator's text; the rest of the contract still holds.
            customType: (options as Four29Options).problemTypeBase !== undefined,
            downstreamStatus: ctx?.downstreamStatus,
          });
          for (const record of captured.records) expect(() => JSON.stringify(record)).not.toThrow();
          for (const line of lines.splice(0)) {
            expect(typeof line).toBe('string');
            expect(line).not.toMatch(/[\r\n]/);
            expect(() => JSON.parse(line as string)).not.toThrow();
          }
        },
      ),
      fcParams('core.handler.any-options'),
    );
  });
});

// ─── toProblem / toLogRecord with hand-built, hostile classifications ───────────────────────────

const hostileClassification: fc.Arbitrary<unknown> = fc
  .record(
    {
      kind: fc.oneof(fc.constantFrom(...UPSTREAM_ERROR_KINDS), fc.string(), oddLeaf),
      provider: fc.oneof(fc.string({ maxLength: 2000 }), oddLeaf),
      retryable: fc.oneof(fc.boolean(), oddLeaf),
      retryAfterMs: fc.oneof(fc.double(), fc.integer(), oddLeaf),
      resetAt: fc.oneof(fc.double(), oddLeaf),
      dimension: fc.oneof(
        fc.constantFrom('tokens', '__proto__', 'constructor'),
        fc.string(),
        oddLeaf,
      ),
      window: fc.oneof(fc.constantFrom('minute', 'toString'), oddLeaf),
      limit: fc.oneof(fc.double(), oddLeaf),
      requested: fc.oneof(fc.double(), oddLeaf),
      upstreamStatus: fc.oneof(fc.integer(), oddLeaf),
      upstreamCode: fc.oneof(fc.string({ maxLength: 500 }), oddLeaf),
      upstreamRequestId: fc.oneof(fc.string({ maxLength: 500 }), oddLeaf),
      upstreamMessage: fc.oneof(
        fc.nat({ max: 100_000 }).map((n) => 'm'.repeat(n)),
        oddLeaf,
      ),
      remediation: fc.oneof(
        fc.record({
          causes: fc.array(fc.anything(), { maxLength: 3 }),
          steps: fc.array(
            fc.oneof(
              fc.record({
                id: fc.oneof(fc.string(), oddLeaf),
                title: fc.oneof(fc.string(), oddLeaf),
                detail: fc.oneof(fc.string({ maxLength: 3000 }), oddLeaf),
                audience: fc.constantFrom('caller', 'operator', 'billing-admin', 'x'),
                url: fc.oneof(
                  fc.constantFrom('https://ok.example', 'javascript:alert(1)'),
                  oddLeaf,
                ),
              }),
              oddLeaf,
            ),
            { maxLength: 40 },
          ),
        }),
        oddLeaf,
      ),
    },
    { requiredKeys: ['kind', 'retryable', 'remediation'] },
  )
  .chain((c) =>
    fc.constantFrom('plain', 'frozen', 'null-prototype').map((how) =>
      lazy(`${how} ${fc.stringify(c)}`, () => {
        const built = realize(c) as object;
        if (how === 'frozen') return Object.freeze(built);
        if (how === 'null-prototype') return Object.assign(Object.create(null) as object, built);
        return built;
      }),
    ),
  );

describe('toProblem and toLogRecord', () => {
  it('render any hand-built classification, however ill-typed, into a valid problem and record', () => {
    fc.assert(
      fc.property(hostileClassification, context, (recipe, ctx) => {
        const c = realize(recipe);
        const problem = toProblem(c as Classification);
        expectValidProblem(toHttp(problem));
        const record = toLogRecord(c as Classification, ctx);
        expect(() => JSON.stringify(record)).not.toThrow();
        expect(Buffer.byteLength(JSON.stringify(record))).toBeLessThanOrEqual(8 * 1024);
        expect(JSON.stringify(record)).not.toMatch(/[\r\n]/);
      }),
      fcParams('core.render.hostile-classification'),
    );
  });
});

describe('deep wrapping', () => {
  it('finds an upstream error under 8 wrappers and gives up beyond, without reading further', () => {
    fc.assert(
      fc.property(upstreamLike, fc.nat({ max: 40 }), (inner, depth) => {
        const counter: ReadCounter = { reads: 0 };
        const c = classify(counting(causeChain(inner(), depth), counter), { now: FIXTURE_NOW });
        expectValidClassification(c);
        expect(counter.reads).toBeLessThanOrEqual(MAX_READS);
      }),
      fcParams('core.classify.deep-wrapping'),
    );
  });
});
