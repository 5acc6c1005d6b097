/**
 * Every adapter, driven through its real framework with generated thrown values: the answer is
 * either exactly the problem core renders for that value (valid problem+json, bounded, integer
 * Retry-After), or, when core declines, exactly what the same app without four29 answers.
 */
import {
  createUpstreamErrorHandler,
  type Four29Options,
  type HandledUpstreamError,
  type LogRecord,
} from '@four29/core';
import { FIXTURE_NOW } from '@four29/fixtures';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { frameworkCanRender, type Lazy, thrownValue } from '../src/arbitraries.js';
import { expectValidLogRecord, expectValidProblem } from '../src/checks.js';
import { type Outcome, outcome, type RawResponse, type RequestInit } from '../src/net.js';
import { fcParams, type PropertyName } from '../src/runs.js';
import { type RunningApp, STREAM_TOKEN, start, TARGETS, type Target } from '../src/targets.js';

/** Headers a problem answer may carry: ours, and what Node and the frameworks add to every answer. */
const PROBLEM_HEADERS = new Set([
  'content-type',
  'cache-control',
  'retry-after',
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'x-powered-by',
]);

/** Differences between two answers that are about the moment, not about four29. */
function comparable(o: Outcome): unknown {
  if (o.kind === 'failed') return o;
  const { date: _date, ...headers } = o.headers;
  return { status: o.status, headers, body: o.body };
}

function messageReadable(value: unknown): boolean {
  try {
    if (typeof value === 'object' && value !== null) Reflect.get(value, 'message');
    return true;
  } catch {
    return false;
  }
}

function isError(value: unknown): boolean {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

// Generous: the values that hang a framework itself are filtered out before they are sent.
const INJECT: RequestInit = { timeoutMs: 10_000 };

interface Harness {
  readonly app: RunningApp;
  readonly control: RunningApp;
  readonly records: LogRecord[];
  readonly oracle: (error: unknown) => HandledUpstreamError | null;
  /** How generated cases split: a property that only ever hit one branch would prove little. */
  readonly stats: { handled: number; declined: number };
  /** Registers a recipe for one request; the route builds a fresh value from it. */
  key(recipe: Lazy): string;
  release(key: string): void;
}

async function harness(target: Target): Promise<Harness> {
  const recipes = new Map<string, Lazy>();
  const records: LogRecord[] = [];
  const options: Four29Options = {
    now: () => FIXTURE_NOW,
    logSuppression: false,
    logger: {
      warn: (obj, msg) => records.push({ level: 'warn', msg, ...obj } as unknown as LogRecord),
      error: (obj, msg) => records.push({ level: 'error', msg, ...obj } as unknown as LogRecord),
    },
  };
  const error = (key: string) => {
    const recipe = recipes.get(key);
    if (recipe === undefined) throw new Error(`no recipe for ${key}`);
    return recipe();
  };
  const app = await start(target, { four29: options, error });
  const control = await start(target, { four29: undefined, error });
  const core = createUpstreamErrorHandler({ ...options, logger: false });
  let next = 0;
  return {
    app,
    control,
    records,
    oracle: (e) => core(e),
    stats: { handled: 0, declined: 0 },
    key(recipe) {
      next += 1;
      recipes.set(String(next), recipe);
      return String(next);
    },
    release: (key) => recipes.delete(key),
  };
}

/** Whether four29 is expected to answer `recipe` on this target, and with what. */
function expectation(h: Harness, target: Target, recipe: Lazy): HandledUpstreamError | null {
  const value = recipe();
  if (!target.handlesNonErrors && !isError(value)) return null;
  return h.oracle(value);
}

async function checkOne(
  h: Harness,
  target: Target,
  recipe: Lazy,
  send: (app: RunningApp, path: string) => Promise<RawResponse>,
  route: string,
): Promise<void> {
  const key = h.key(recipe);
  try {
    const want = expectation(h, target, recipe);
    // A value four29 declines that the framework's own handling cannot cope with either: not a
    // question about four29 (hostile.test.ts checks it is handed over untouched).
    fc.pre(want !== null || frameworkCanRender(recipe(), target.name));
    if (route === 'stream') {
      fc.pre(want !== null || target.declinedStreamsNeverEnd !== true);
      // Hono's streamSSE reads `err.message` after any onError returns (to send it as an event):
      // an Error whose message getter throws rejects inside Hono once the helper is installed.
      fc.pre(!target.name.startsWith('hono') || messageReadable(recipe()));
    }
    const before = h.records.length;
    const got = await outcome(
      send(h.app, `/${route}/${key}?key=AIzaSyQueryKeyNeverInLogs0000000000000`),
    );
    if (want === null) h.stats.declined++;
    else h.stats.handled++;
    if (want === null) {
      const control = await outcome(
        send(h.control, `/${route}/${key}?key=AIzaSyQueryKeyNeverInLogs0000000000000`),
      );
      expect(comparable(got), 'declined: answered as without four29').toStrictEqual(
        comparable(control),
      );
      expect(h.records.length, 'declined errors are not logged by four29').toBe(before);
      return;
    }
    expect(got.kind, 'an upstream error is always answered').toBe('response');
    if (got.kind !== 'response') return;
    if (route === 'stream') {
      // Headers were out: the stream ends with one problem event after what was already sent.
      expect(got.status).toBe(200);
      expect(got.body).toBe(`${STREAM_TOKEN}${want.sse}`);
    } else {
      const doc = expectValidProblem(got);
      expect(got.status).toBe(want.status);
      expect(got.body).toBe(want.body);
      expect(got.headers['retry-after']).toBe(want.headers['retry-after']);
      expect(doc.kind).toBe(want.problem.body.kind);
      for (const name of Object.keys(got.headers)) expect(PROBLEM_HEADERS, name).toContain(name);
    }
    expect(h.records.length - before, 'one log record per handled error').toBe(1);
    const record = expectValidLogRecord(h.records.at(-1));
    expect(JSON.stringify(record)).not.toContain('AIzaSyQueryKeyNeverInLogs');
  } finally {
    h.release(key);
  }
}

async function property(
  h: () => Harness,
  target: Target,
  name: PropertyName,
  route: fc.Arbitrary<string>,
  send: (app: RunningApp, path: string) => Promise<RawResponse>,
): Promise<void> {
  const stats = h().stats;
  stats.handled = 0;
  stats.declined = 0;
  await fc.assert(
    fc.asyncProperty(thrownValue, route, (recipe, r) => checkOne(h(), target, recipe, send, r)),
    fcParams(name),
  );
  // Both branches are exercised: upstream errors answered by four29, the rest handed over.
  const total = stats.handled + stats.declined;
  expect(stats.handled, `handled in ${total}`).toBeGreaterThanOrEqual(Math.floor(total / 5));
  const onlyUpstream =
    name === 'adapter.inject.streaming' && target.declinedStreamsNeverEnd === true;
  if (total >= 20 && !onlyUpstream) {
    expect(stats.declined, `declined in ${total}`).toBeGreaterThan(0);
  }
}

describe.each(TARGETS)('$name', (target) => {
  let h: Harness;
  beforeAll(async () => {
    // Frameworks print the errors they handle themselves (Hono's default, streamSSE): not ours.
    vi.spyOn(console, 'error').mockImplementation(() => {});
    h = await harness(target);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await h.app.close();
    await h.control.close();
  });

  it('answers any thrown value with the exact problem, or as without four29 (in-process)', () =>
    property(
      () => h,
      target,
      'adapter.inject.any-thrown',
      fc.constantFrom('sync', 'async'),
      (app, path) => app.inject(path, INJECT),
    ));

  it('ends a started token stream with the exact problem event, or as without four29 (in-process)', () =>
    property(
      () => h,
      target,
      'adapter.inject.streaming',
      fc.constant('stream'),
      (app, path) => app.inject(path, INJECT),
    ));

  it('does the same over real TCP sockets', () =>
    property(
      () => h,
      target,
      'adapter.socket.any-thrown',
      fc.constantFrom('sync', 'async', 'stream'),
      (app, path) => app.request(path, INJECT),
    ));
});

describe('frameworkCanRender', () => {
  // Koa's own onerror copies err.headers onto the response; Node refuses a Symbol or undefined
  // value there and Koa rejects, with or without four29. Such values must be filtered out, or the
  // property fails at random on the framework's crash instead of on four29.
  it('refuses errors whose headers Node would refuse', () => {
    const withHeaders = (headers: Record<string, unknown>) =>
      Object.assign(new Error('x'), { status: 502, headers });
    expect(frameworkCanRender(withHeaders({ 'x-ok': 'fine' }), 'koa')).toBe(true);
    expect(frameworkCanRender(withHeaders({ 'x-sym': Symbol('s') }), 'koa')).toBe(false);
    expect(frameworkCanRender(withHeaders({ 'x-arr': ['a', Symbol('b')] }), 'koa')).toBe(false);
    expect(frameworkCanRender(withHeaders({ 'x-undef': undefined }), 'koa')).toBe(false);
  });
});
