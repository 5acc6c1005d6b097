import {
  createUpstreamErrorHandler,
  type Four29Logger,
  type Four29Options,
  type LogRecord,
  type UpstreamErrorKind,
} from '@four29/core';
import type { ExpectedClassification } from '@four29/fixtures';
import { type AppSpec, type RunningApp, STREAM_TOKEN, type Target } from '@four29/test-kit/targets';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ACCOUNT_IDS,
  API_KEYS,
  type ConformanceCases,
  FIXTURE_NOW,
  type UpstreamCase,
} from './cases.js';

/** Downstream status per kind, restated from the core README: the suite's independent oracle. */
const STATUS: Readonly<Record<'default' | 'passthrough', Record<UpstreamErrorKind, number>>> = {
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
};

export type PolicyName = keyof typeof STATUS;

/** Upstream headers that must never be copied to our clients. */
const UPSTREAM_HEADER =
  /^(x-ratelimit|ratelimit|anthropic-|openai-|x-request-id$|request-id$|retry-after-ms$|x-ms-|apim-|x-amzn|x-goog|x-github|x-mock|stripe-)/;

/** What one request produced, reduced to what the adapters promise to keep equal. */
export interface Answer {
  readonly status: number;
  readonly 'content-type': string | null;
  readonly 'retry-after': string | null;
  readonly 'cache-control': string | null;
  readonly body: string;
  readonly log: readonly LogRecord[];
}

/** Everything observable from one request, for untouched errors: the whole response or the failure. */
export type Outcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: Record<string, string>;
      readonly body: string;
    }
  | { readonly kind: 'failed'; readonly error: string };

interface Capture {
  readonly logger: Four29Logger;
  readonly records: LogRecord[];
}

function capture(): Capture {
  const records: LogRecord[] = [];
  // Core hands loggers the record without level and msg (pino adds its own); put them back.
  const push = (level: 'warn' | 'error', obj: Record<string, unknown>, msg?: string) =>
    records.push({ level, msg, ...obj } as unknown as LogRecord);
  return {
    records,
    logger: {
      warn: (obj, msg) => push('warn', obj, msg),
      error: (obj, msg) => push('error', obj, msg),
    },
  };
}

/** four29 options every target gets: fixed clock, capturing logger, every record logged. */
function optionsFor(policy: PolicyName, logger: Four29Logger | false): Four29Options {
  return { now: () => FIXTURE_NOW, logger, logSuppression: false, policy };
}

interface Started {
  readonly target: Target;
  readonly app: RunningApp;
  readonly records: LogRecord[];
}

let requestCounter = 0;

/** Each request gets its own id; every target logs the one it was sent. */
function nextRequestId(): string {
  requestCounter += 1;
  return `conformance-${requestCounter}`;
}

/**
 * Every request carries a key in its query string: a log record must hold the path without it.
 * Ids are plain ASCII, but encoding keeps a future id from changing the route.
 */
function pathFor(route: string, id: string): string {
  return `/${route}/${encodeURIComponent(id)}?key=${API_KEYS.google}`;
}

function bare(path: string): string {
  return path.slice(0, path.indexOf('?'));
}

async function answerOf(s: Started, path: string, requestId: string): Promise<Answer> {
  const before = s.records.length;
  const res = await s.app.fetch(path, { headers: { 'x-request-id': requestId } });
  const body = await res.text();
  for (const name of res.headers.keys()) {
    expect
      .soft(name, `${s.target.name} ${path}: upstream header copied`)
      .not.toMatch(UPSTREAM_HEADER);
  }
  return {
    status: res.status,
    'content-type': res.headers.get('content-type'),
    'retry-after': res.headers.get('retry-after'),
    'cache-control': res.headers.get('cache-control'),
    body,
    log: s.records.slice(before),
  };
}

/** Headers that differ per connection or per moment, not per framework behaviour. */
const VOLATILE = new Set(['date', 'keep-alive', 'connection']);

async function outcomeOf(s: Started, path: string, requestId: string): Promise<Outcome> {
  try {
    const res = await s.app.fetch(path, { headers: { 'x-request-id': requestId } });
    const headers: Record<string, string> = {};
    for (const [k, v] of res.headers) if (!VOLATILE.has(k)) headers[k] = v;
    return { kind: 'response', status: res.status, headers, body: await res.text() };
  } catch (err) {
    return { kind: 'failed', error: String(err) };
  }
}

/**
 * Runs `fn` with console.error silenced and counted: framework defaults (Hono's) log unhandled
 * errors there, and "answers as without four29" includes logging them the same number of times.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const result = await fn();
    return [result, spy.mock.calls.length];
  } finally {
    spy.mockRestore();
  }
}

/** The answer core itself renders for `error`, with the context an adapter passes. */
function oracle(
  error: unknown,
  policy: PolicyName,
  path: string,
  requestId: string,
  streaming: boolean,
): { answer: Answer; sse: string } | null {
  const handled = createUpstreamErrorHandler(optionsFor(policy, false))(error, {
    method: 'GET',
    path,
    requestId,
    ...(streaming ? { responseStarted: true, downstreamStatus: 200 } : {}),
  });
  if (handled === null) return null;
  const answer: Answer = {
    status: handled.status,
    'content-type': handled.headers['content-type'] ?? null,
    'retry-after': handled.headers['retry-after'] ?? null,
    'cache-control': handled.headers['cache-control'] ?? null,
    body: handled.body,
    log: [handled.log],
  };
  return { answer, sse: handled.sse };
}

/**
 * Asserts every labelled value equals the first one. Soft: one failing target does not hide the
 * others, and each mismatch is reported with the case id, both target names and vitest's diff.
 */
export function expectAllEqual<T>(
  caseId: string,
  labelled: readonly (readonly [string, T])[],
): void {
  const [first, ...rest] = labelled;
  if (first === undefined) return;
  for (const [name, value] of rest) {
    expect
      .soft(value, `case ${caseId}: ${name} differs from ${first[0]} (- ${first[0]}, + ${name})`)
      .toStrictEqual(first[1]);
  }
}

const NEVER_RETRY_AFTER: ReadonlySet<string> = new Set([
  'quota_exhausted',
  'upstream_auth',
  'request_too_large',
]);

function expectedRetryAfter(e: ExpectedClassification): number | undefined {
  if (!e.retryable || NEVER_RETRY_AFTER.has(e.kind) || e.retryAfterMs === undefined) return;
  return Math.min(Math.ceil(e.retryAfterMs / 1000), 86_400);
}

function expectedLevel(e: ExpectedClassification): 'warn' | 'error' {
  if (e.kind === 'quota_exhausted' || e.kind === 'upstream_auth') return 'error';
  return e.kind === 'upstream_error' && !e.retryable ? 'error' : 'warn';
}

function defined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The shared answer is not only the same everywhere but right: checked against the fixture. */
export function expectCorrect(
  c: UpstreamCase,
  answer: Answer,
  options: { policy: PolicyName; path: string; requestId: string; streaming: boolean },
): void {
  const e = c.expected;
  const where = `case ${c.id}`;
  const status = STATUS[options.policy][e.kind];
  const retryAfter = expectedRetryAfter(e);
  const body = options.streaming ? answer.body.slice(STREAM_TOKEN.length) : answer.body;
  const json = options.streaming
    ? body.replace(/^event: error\ndata: /, '').replace(/\n\n$/, '')
    : body;
  if (options.streaming) {
    expect
      .soft(answer.body.startsWith(STREAM_TOKEN), `${where}: stream starts with the token`)
      .toBe(true);
    expect
      .soft(body, `${where}: exactly one final error event`)
      .toMatch(/^event: error\ndata: [^\n]+\n\n$/);
  } else {
    expect.soft(answer.status, `${where}: status`).toBe(status);
    expect.soft(answer['content-type'], `${where}: content-type`).toBe('application/problem+json');
    expect.soft(answer['cache-control'], `${where}: cache-control`).toBe('no-store');
    expect
      .soft(answer['retry-after'], `${where}: retry-after`)
      .toBe(retryAfter === undefined ? null : String(retryAfter));
  }
  let problem: Record<string, unknown> = {};
  expect
    .soft(() => {
      problem = JSON.parse(json) as Record<string, unknown>;
    }, `${where}: the problem document is JSON`)
    .not.toThrow();
  expect
    .soft(
      {
        kind: problem.kind,
        status: problem.status,
        retryable: problem.retryable,
        retryAfter: problem.retryAfter,
      },
      `${where}: problem document`,
    )
    .toStrictEqual({ kind: e.kind, status, retryable: e.retryable, retryAfter });
  for (const secret of [...Object.values(API_KEYS), ...ACCOUNT_IDS, ...c.upstreamText]) {
    expect.soft(answer.body, `${where}: upstream text or secret in the body`).not.toContain(secret);
  }

  expect.soft(answer.log, `${where}: exactly one log record`).toHaveLength(1);
  const log = answer.log[0];
  if (log === undefined) return;
  const actual = {
    level: log.level,
    kind: log.kind,
    provider: log.provider,
    retryable: log.retryable,
    upstream: defined({
      status: log.upstream.status,
      code: log.upstream.code,
      requestId: log.upstream.requestId,
    }),
    retryAfterMs: log.retryAfterMs,
    resetAt: log.resetAt,
    limit: log.limit,
    downstream: log.downstream,
    http: log.http,
  };
  const limit = defined({
    dimension: e.dimension,
    window: e.window,
    limit: e.limit,
    remaining: e.remaining,
    used: e.used,
    requested: e.requested,
  });
  expect.soft(actual, `${where}: log record`).toStrictEqual({
    level: expectedLevel(e),
    kind: e.kind,
    provider: e.provider,
    retryable: e.retryable,
    upstream: defined({
      status: e.upstreamStatus,
      code: e.upstreamCode,
      requestId: e.upstreamRequestId,
    }),
    retryAfterMs: e.retryAfterMs,
    resetAt: e.resetAt === undefined ? undefined : new Date(e.resetAt).toISOString(),
    limit: Object.keys(limit).length > 0 ? limit : undefined,
    downstream: { status: options.streaming ? 200 : status },
    http: { method: 'GET', path: bare(options.path), requestId: options.requestId },
  });
  const logged = JSON.stringify(log);
  for (const secret of [...Object.values(API_KEYS), ...ACCOUNT_IDS]) {
    expect.soft(logged, `${where}: secret in the log record`).not.toContain(secret);
  }
}

export interface SuiteConfig {
  /** Every target, compared with each other and with core under the default policy. */
  readonly targets: readonly Target[];
  /** Targets started a second time with `policy: 'passthrough'` and compared again. */
  readonly passthrough: readonly Target[];
  /** Built once at module level (`await buildCases()`): case ids must be known when tests are collected. */
  readonly cases: ConformanceCases;
}

function isError(value: unknown): boolean {
  return value instanceof Error;
}

/**
 * Registers the whole suite with vitest: every target is started once (with four29, without it,
 * and with the passthrough policy where asked) and every case is sent to all of them.
 */
export function defineConformanceSuite(config: SuiteConfig): void {
  const { cases } = config;
  const upstreamById = new Map(cases.upstream.map((c) => [c.id, c]));
  const started = new Map<string, Started>();

  const specFor = (target: Target, four29: Four29Options | undefined): AppSpec => {
    // Every case is thrown from the same route: ids are unique across upstream and untouched cases.
    const errors = new Map<string, unknown>(cases.upstream.map((c) => [c.id, c.error]));
    for (const u of [...cases.untouched, ...(target.nativeErrors?.() ?? [])]) {
      if (errors.has(u.id)) throw new Error(`conformance: case id ${u.id} used twice`);
      errors.set(u.id, u.error);
    }
    return {
      four29,
      error: (id) => (errors.has(id) ? errors.get(id) : new Error(`conformance: no case ${id}`)),
      live: async (id) => {
        const live = upstreamById.get(id)?.live;
        if (live === undefined) throw new Error(`conformance: no live call for ${id}`);
        return live();
      },
    };
  };

  const start = async (key: string, target: Target, policy: PolicyName | undefined) => {
    const { logger, records } = capture();
    const app = await target.start(
      specFor(target, policy === undefined ? undefined : optionsFor(policy, logger)),
    );
    started.set(key, { target, app, records });
  };

  const get = (key: string): Started => {
    const s = started.get(key);
    if (s === undefined) throw new Error(`conformance: target ${key} did not start`);
    return s;
  };

  beforeAll(async () => {
    // Sequential: two cores in CI, and a failing start should name its target.
    for (const t of config.targets) {
      await start(`default:${t.name}`, t, 'default');
      await start(`baseline:${t.name}`, t, undefined);
    }
    for (const t of config.passthrough) await start(`passthrough:${t.name}`, t, 'passthrough');
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...started.values()].map((s) => s.app.close()));
    await cases.close();
  });

  const runUpstream = async (
    c: UpstreamCase,
    policy: PolicyName,
    route: 'sync' | 'live' | 'stream',
    targets: readonly Target[],
  ) => {
    const path = pathFor(route, c.id);
    const requestId = nextRequestId();
    const streaming = route === 'stream';
    const reachable = targets.filter((t) => t.handlesNonErrors || isError(c.error));
    const answers = await Promise.all(
      reachable.map(
        async (t) => [t.name, await answerOf(get(`${policy}:${t.name}`), path, requestId)] as const,
      ),
    );
    const core = oracle(c.error, policy, bare(path), requestId, streaming);
    expect(core, `case ${c.id}: core classifies it as an upstream error`).not.toBeNull();
    if (core === null) return;
    if (streaming) {
      // Once streaming, only the bytes after the token and the log record are four29's to decide.
      const reference = { body: STREAM_TOKEN + core.sse, log: core.answer.log };
      expectAllEqual<unknown>(c.id, [
        ['core', reference],
        ...answers.map(([name, a]) => [name, { body: a.body, log: a.log }] as [string, unknown]),
      ]);
    } else {
      expectAllEqual<Answer>(c.id, [['core', core.answer], ...answers]);
    }
    const first = answers[0];
    if (first !== undefined) expectCorrect(c, first[1], { policy, path, requestId, streaming });

    // Targets whose framework never lets four29 see this value must answer as without four29.
    for (const t of targets.filter((x) => !reachable.includes(x))) {
      if (streaming || route === 'live') continue;
      const without = await quietly(() => outcomeOf(get(`baseline:${t.name}`), path, requestId));
      const withFour29 = await quietly(() =>
        outcomeOf(get(`${policy}:${t.name}`), path, requestId),
      );
      expectAllEqual(`${c.id} (${t.name}: not an Error, so the framework's default)`, [
        [`${t.name} without four29`, without],
        [`${t.name} with four29`, withFour29],
      ]);
    }
  };

  describe('upstream errors, default policy: every target answers alike and right', () => {
    it.each(cases.upstream.map((c) => c.id))('%s', async (id) => {
      await runUpstream(upstreamById.get(id)!, 'default', 'sync', config.targets);
    });
  });

  describe('upstream errors, passthrough policy', () => {
    it.each(cases.upstream.map((c) => c.id))('%s', async (id) => {
      await runUpstream(upstreamById.get(id)!, 'passthrough', 'sync', config.passthrough);
    });
  });

  describe('live SDK calls inside the request answer as the pre-built errors do', () => {
    const live = cases.upstream.filter((c) => c.live !== undefined).map((c) => c.id);
    it.each(live)('%s', async (id) => {
      await runUpstream(upstreamById.get(id)!, 'default', 'live', config.targets);
    });
  });

  describe('streaming: a started event stream ends with exactly one error event', () => {
    const streamable = cases.upstream.filter((c) => isError(c.error)).map((c) => c.id);
    it.each(streamable)('%s', async (id) => {
      await runUpstream(upstreamById.get(id)!, 'default', 'stream', config.targets);
    });
  });

  describe('errors that are not upstream errors: each framework answers as without four29', () => {
    const rows = config.targets.flatMap((t) =>
      [...cases.untouched, ...(t.nativeErrors?.() ?? [])].map((u) => [t.name, u.id] as const),
    );
    it.each(rows)('%s: %s', async (name, id) => {
      const withFour29 = get(`default:${name}`);
      const without = get(`baseline:${name}`);
      const path = pathFor('sync', id);
      const requestId = nextRequestId();
      const before = withFour29.records.length;
      const [a, b] = await quietly(() => outcomeOf(without, path, requestId));
      const [c, d] = await quietly(() => outcomeOf(withFour29, path, requestId));
      expectAllEqual(`${id} on ${name}`, [
        [`${name} without four29`, { outcome: a, consoleErrors: b }],
        [`${name} with four29`, { outcome: c, consoleErrors: d }],
      ]);
      expect(withFour29.records.slice(before), `${id} on ${name}: nothing logged`).toEqual([]);
    });
  });
}
