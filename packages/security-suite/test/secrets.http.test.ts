/**
 * Every fixture, with realistic secrets seeded into its message, headers (echoed request headers
 * included), body and URL, is fetched by a real client inside a real app of every framework, over
 * real HTTP. No seeded secret may appear in any byte the client receives (status line, header
 * block, body, SSE events) or in any log record; no upstream rate-limit or request-id header, no
 * upstream wording and no stack trace may reach the client either.
 */
import type { LogRecord } from '@four29/core';
import { FIXTURE_NOW, fixtures } from '@four29/fixtures';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectValidProblem, STACK_TRACE } from '../src/checks.js';
import type { RawResponse } from '../src/net.js';
import {
  CANARY,
  CLIENT_SECRETS,
  leaksIn,
  SECRETS,
  seededResponse,
  upstreamRequestIds,
} from '../src/secrets.js';
import { type RunningApp, STREAM_TOKEN, start, TARGETS } from '../src/targets.js';
import {
  type CallForm,
  callUpstream,
  formsFor,
  type SeededUpstream,
  startSeededUpstream,
} from '../src/upstream.js';

/** Response headers that only an upstream sends: none may be copied to our clients. */
const UPSTREAM_HEADER =
  /^(x-ratelimit|anthropic-|ratelimit|retry-after-ms$|x-request-id$|request-id$|openai-|x-ms-|apim-|x-amzn|x-goog|x-github|stripe-|set-cookie$|authorization$|api-key$|x-api-key$|x-echo)/i;

/** What our own client sends: credentials of its own, which must not reach logs either. */
const CLIENT_HEADERS: readonly (readonly [string, string])[] = [
  ['authorization', `Bearer ${CLIENT_SECRETS.bearer}`],
  ['x-request-id', CLIENT_SECRETS.bearer],
];
const CLIENT_QUERY = `?key=${CLIENT_SECRETS.queryKey}`;

let upstream: SeededUpstream;
beforeAll(async () => {
  upstream = await startSeededUpstream(FIXTURE_NOW);
});
afterAll(() => upstream.close());

function expectNothingLeaked(res: RawResponse, fixtureId: string, where: string): void {
  const r = seededResponse(fixtures.find((f) => f.id === fixtureId)!, FIXTURE_NOW);
  expect(leaksIn(res.raw), `${where}: secrets in the response bytes`).toEqual([]);
  const text = res.raw.toString('latin1');
  expect(text, `${where}: upstream wording sent`).not.toContain(CANARY);
  for (const id of upstreamRequestIds(r))
    expect(text, `${where}: upstream request id`).not.toContain(id);
  for (const name of Object.keys(res.headers)) {
    expect(name, `${where}: upstream header copied`).not.toMatch(UPSTREAM_HEADER);
  }
  expect(res.body, `${where}: stack trace`).not.toMatch(STACK_TRACE);
}

/** Log records that name their message carry the canary, redacted: proof the secrets were there. */
const redactedMessages = { seen: 0, withCanary: 0 };

function expectCleanRecords(records: readonly unknown[], where: string): void {
  const text = JSON.stringify(records);
  expect(leaksIn(text), `${where}: secrets in log records`).toEqual([]);
  for (const record of records as LogRecord[]) {
    const message = record.upstream?.message;
    if (message === undefined) continue;
    redactedMessages.seen++;
    if (message.includes(CANARY) && message.includes('[REDACTED]')) redactedMessages.withCanary++;
  }
}

describe.each(TARGETS)('$name', (target) => {
  const records: LogRecord[] = [];
  let app: RunningApp;
  beforeAll(async () => {
    app = await start(target, {
      four29: {
        now: () => FIXTURE_NOW,
        logSuppression: false,
        logger: {
          warn: (obj, msg) => records.push({ level: 'warn', msg, ...obj } as unknown as LogRecord),
          error: (obj, msg) =>
            records.push({ level: 'error', msg, ...obj } as unknown as LogRecord),
        },
      },
      error: () => new Error('unused'),
      live: (key) => {
        const [form, id] = key.split('~') as [CallForm, string];
        return callUpstream(upstream.url, form, id);
      },
    });
  });
  afterAll(() => app.close());

  it.each(fixtures.map((f) => f.id))('%s', async (id) => {
    const fixture = fixtures.find((f) => f.id === id)!;
    for (const form of formsFor(fixture)) {
      const before = records.length;
      const res = await app.request(`/live/${form}~${encodeURIComponent(id)}${CLIENT_QUERY}`, {
        headers: CLIENT_HEADERS,
      });
      expectNothingLeaked(res, id, form);
      expectValidProblem(res);
      const logged = records.slice(before);
      expect(logged, `${form}: one record`).toHaveLength(1);
      expectCleanRecords(logged, form);
    }
    // The same failure after a token stream started: one SSE error event, nothing else.
    const before = records.length;
    const res = await app.request(`/stream-live/fetch~${encodeURIComponent(id)}${CLIENT_QUERY}`, {
      headers: CLIENT_HEADERS,
    });
    expectNothingLeaked(res, id, 'stream');
    expect(res.status).toBe(200);
    expect(res.body.startsWith(STREAM_TOKEN)).toBe(true);
    const events = res.body.slice(STREAM_TOKEN.length);
    expect(events).toMatch(/^event: error\ndata: \{[^\n]*\}\n\n$/);
    // The event's data is the problem document itself: as valid as a problem+json body.
    const body = events.slice(events.indexOf('{'), -2);
    const doc = JSON.parse(body) as { status: number; retryAfter?: number };
    expectValidProblem({
      status: doc.status,
      headers: {
        'content-type': 'application/problem+json',
        'cache-control': 'no-store',
        ...(doc.retryAfter !== undefined ? { 'retry-after': String(doc.retryAfter) } : {}),
      },
      body,
    });
    expectCleanRecords(records.slice(before), 'stream');
  });
});

describe("the default loggers (console JSON lines, Nest's Logger) write no secret either", () => {
  it.each(TARGETS.map((t) => t.name))('%s', async (name) => {
    const target = TARGETS.find((t) => t.name === name)!;
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(capture);
    const error = vi.spyOn(console, 'error').mockImplementation(capture);
    const app = await start(target, {
      four29: { now: () => FIXTURE_NOW, logSuppression: false },
      error: () => new Error('unused'),
      live: (key) => callUpstream(upstream.url, 'fetch', key),
      log: (line) => lines.push(line),
    });
    try {
      for (const fixture of fixtures) {
        const res = await app.inject(`/live/${encodeURIComponent(fixture.id)}${CLIENT_QUERY}`, {
          headers: CLIENT_HEADERS,
        });
        expectNothingLeaked(res, fixture.id, 'default logger');
      }
    } finally {
      warn.mockRestore();
      error.mockRestore();
      await app.close();
    }
    // One line per fixture at least: the default logger really wrote (the check can fail).
    expect(lines.length).toBeGreaterThanOrEqual(fixtures.length);
    expect(lines.join('\n')).toContain('four29.upstream_error');
    expect(leaksIn(lines.join('\n'))).toEqual([]);
  });
});

describe('the checks can fail', () => {
  it('the upstream really received the keys and really answered with the seeded secrets', () => {
    const sent = JSON.stringify(upstream.received);
    expect(sent).toContain(SECRETS.openaiProjectKey);
    expect(sent).toContain(SECRETS.anthropicKey);
    expect(sent).toContain(SECRETS.googleApiKey);
    const replayed = JSON.stringify(seededResponse(fixtures[0]!, FIXTURE_NOW));
    expect(leaksIn(replayed).length).toBeGreaterThan(10);
  });

  it('log records kept the upstream wording, with the secrets in it redacted', () => {
    expect(redactedMessages.seen).toBeGreaterThan(100);
    expect(redactedMessages.withCanary).toBeGreaterThan(redactedMessages.seen / 2);
  });
});
