/**
 * The named catalogue of hostile inputs (src/hostile.ts), each through classify, the core handler
 * and every adapter. An upstream error, however broken, gets exactly the problem core renders; a
 * value four29 cannot or must not answer reaches the app's own last-resort handler untouched (the
 * identical value), with nothing logged by four29. Nothing throws, nothing hangs, nothing pollutes
 * Object.prototype.
 */
import {
  type Classification,
  classify,
  createUpstreamErrorHandler,
  type HandledUpstreamError,
  type LogRecord,
} from '@four29/core';
import { FIXTURE_NOW } from '@four29/fixtures';
import type { ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectValidHandled, expectValidLogRecord, expectValidProblem } from '../src/checks.js';
import { HOSTILE_CASES, type HostileCase } from '../src/hostile.js';
import type { RawResponse } from '../src/net.js';
import { type RunningApp, start, TARGETS, type Target } from '../src/targets.js';

function isError(value: unknown): boolean {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(({} as Record<string, unknown>)['retry-after']).toBeUndefined();
}

const OPTIONS = { now: () => FIXTURE_NOW, logSuppression: false as const };

interface Running {
  readonly target: Target;
  readonly app: RunningApp;
  readonly records: LogRecord[];
  /** Values that reached the app's last-resort handler, by request key. */
  readonly reached: Map<string, unknown[]>;
  /** The value each request's route threw, by request key. */
  readonly thrown: Map<string, unknown>;
  readonly cases: Map<string, () => unknown>;
}

const running: Running[] = [];
let nextKey = 0;
let currentKey = '';

beforeAll(async () => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  // Nest has no hook after its exception filter: four29 hands what it declines to
  // BaseExceptionFilter.catch, so that is where "reached the framework" is observed.
  vi.spyOn(BaseExceptionFilter.prototype, 'catch').mockImplementation(function (
    this: BaseExceptionFilter,
    exception: unknown,
    host: ArgumentsHost,
  ) {
    const r = running.find((x) => x.target.name.startsWith('nest') && x.thrown.has(currentKey));
    r?.reached.get(currentKey)?.push(exception);
    const adapter = (
      this as unknown as {
        applicationRef?: { reply(res: unknown, body: unknown, status: number): void };
      }
    ).applicationRef;
    adapter?.reply(host.getArgByIndex(1), 'fallback', 500);
  });
  for (const target of TARGETS) {
    const records: LogRecord[] = [];
    const reached = new Map<string, unknown[]>();
    const thrown = new Map<string, unknown>();
    const cases = new Map<string, () => unknown>();
    const app = await start(target, {
      four29: {
        ...OPTIONS,
        logger: {
          warn: (obj, msg) => records.push({ level: 'warn', msg, ...obj } as unknown as LogRecord),
          error: (obj, msg) =>
            records.push({ level: 'error', msg, ...obj } as unknown as LogRecord),
        },
      },
      error: (key) => {
        const value = cases.get(key)?.();
        thrown.set(key, value);
        return value;
      },
      fallback: (err) => reached.get(currentKey)?.push(err),
    });
    running.push({ target, app, records, reached, thrown, cases });
  }
});

afterAll(async () => {
  vi.restoreAllMocks();
  for (const r of running) await r.app.close();
});

afterEach(() => {
  expectNoPollution();
});

async function send(
  r: Running,
  c: HostileCase,
  route: string,
  tcp = false,
): Promise<{ res: RawResponse; key: string }> {
  nextKey += 1;
  const key = `h${nextKey}`;
  currentKey = key;
  r.cases.set(key, c.make);
  r.reached.set(key, []);
  const path = `/${route}/${key}`;
  const res = tcp
    ? await r.app.request(path, { timeoutMs: 10_000 })
    : await r.app.inject(path, { timeoutMs: 10_000 });
  return { res, key };
}

describe.each(HOSTILE_CASES)('$name', (c) => {
  let oracle: HandledUpstreamError | null = null;

  it(`classify and the core handler: ${c.expect === 'problem' ? 'a valid problem' : 'declined'}, no throw`, () => {
    let classification: Classification | null = null;
    expect(() => {
      classification = classify(c.make(), { now: FIXTURE_NOW });
    }).not.toThrow();
    expect(classification === null ? 'declined' : 'problem').toBe(c.expect);
    const lines: string[] = [];
    const handle = createUpstreamErrorHandler({
      ...OPTIONS,
      logger: {
        warn: (obj, msg) => lines.push(JSON.stringify({ msg, ...obj })),
        error: (obj, msg) => lines.push(JSON.stringify({ msg, ...obj })),
      },
    });
    expect(() => {
      oracle = handle(c.make(), { method: 'GET', path: '/x?key=y', requestId: 'r\r\n1' });
    }).not.toThrow();
    if (c.expect === 'declined') {
      expect(oracle).toBeNull();
      expect(lines).toEqual([]);
      return;
    }
    expect(oracle).not.toBeNull();
    expectValidHandled(oracle!);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\r\n]/);
  });

  it.each(TARGETS.map((t) => t.name))(
    'through %s: the exact problem, or handed over untouched',
    async (name) => {
      const r = running.find((x) => x.target.name === name)!;
      const before = r.records.length;
      const { res, key } = await send(r, c, 'sync');
      const value = r.thrown.get(key);
      if (!r.target.handlesNonErrors && !isError(value)) {
        // Hono calls no error handler for a thrown non-Error, by design: neither four29 nor the
        // app's fallback sees it, and @hono/node-server answers 500.
        expect(res.status).toBe(500);
        expect(res.headers['content-type'] ?? '').not.toContain('problem+json');
        expect(r.reached.get(key)).toEqual([]);
        expect(r.records.length).toBe(before);
        return;
      }
      if (c.expect === 'problem') {
        const want = createUpstreamErrorHandler({ ...OPTIONS, logger: false })(c.make());
        expect(want).not.toBeNull();
        expectValidProblem(res);
        expect(res.status).toBe(want!.status);
        expect(res.body).toBe(want!.body);
        expect(res.headers['retry-after']).toBe(want!.headers['retry-after']);
        expect(r.reached.get(key)).toEqual([]);
        expect(r.records.length - before).toBe(1);
        expectValidLogRecord(r.records.at(-1));
        return;
      }
      expect(res.headers['content-type'] ?? '').not.toContain('problem+json');
      expect(r.records.length, 'four29 logs nothing for what it declines').toBe(before);
      const reached = r.reached.get(key) ?? [];
      // Express skips error handlers for a falsy thrown value: it never reaches any of them.
      if (r.target.name.startsWith('express') && !value) {
        expect(reached).toEqual([]);
        return;
      }
      expect(reached).toHaveLength(1);
      expect(reached[0], 'the very value the route threw').toBe(value);
      expect(res.status).toBe(500);
      expect(res.body).toBe('fallback');
    },
  );
});

describe('CR/LF in upstream headers never reaches our response headers (raw bytes over TCP)', () => {
  const crlf = HOSTILE_CASES.find((c) => c.name.startsWith('headers with CR/LF'))!;
  it.each(TARGETS.map((t) => t.name))('%s', async (name) => {
    const r = running.find((x) => x.target.name === name)!;
    const { res } = await send(r, crlf, 'sync', true);
    const head = res.raw.subarray(0, res.raw.indexOf('\r\n\r\n')).toString('latin1');
    expect(head).not.toMatch(/^(set-cookie|x-injected|x-evil)/im);
    expect(head).not.toContain('pwned');
    expect(head.split('\r\n').filter((l) => /^HTTP\/1\.1 /.test(l))).toHaveLength(1);
    expectValidProblem(res);
  });
});
