import { DEFAULT_POLICY, type UpstreamErrorKind } from '@four29/core';
import { fixtures } from '@four29/fixtures';
import { REPLY } from '@four29/mock-upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CASES,
  caseId,
  DEMO_ANTHROPIC_KEY,
  DEMO_OPENAI_KEY,
  disagreements,
  type Outcome,
  renderDisagreements,
  runAll,
  type Stack,
  startStack,
} from '../src/index.js';

/** What the default policy must answer per case; the Retry-After values come from the fixtures. */
const EXPECTED: Readonly<
  Record<string, { status: number; kind?: UpstreamErrorKind; retryAfter?: string }>
> = {
  'ok /chat': { status: 200 },
  'ok /claude': { status: 200 },
  'ok /chat/stream': { status: 200 },
  // OpenAI: x-ratelimit-reset-tokens 1.146s → 2; Anthropic: retry-after 18.
  'rate_limited_tokens /chat': { status: 503, kind: 'rate_limited', retryAfter: '2' },
  'rate_limited_tokens /claude': { status: 503, kind: 'rate_limited', retryAfter: '18' },
  'rate_limited_requests /chat': { status: 503, kind: 'rate_limited', retryAfter: '20' },
  'rate_limited_requests /claude': { status: 503, kind: 'rate_limited', retryAfter: '7' },
  'insufficient_quota /chat': { status: 503, kind: 'quota_exhausted' },
  'insufficient_quota /claude': { status: 503, kind: 'quota_exhausted' },
  'request_too_large /chat': { status: 413, kind: 'request_too_large' },
  'request_too_large /claude': { status: 413, kind: 'request_too_large' },
  'overloaded /chat': { status: 503, kind: 'overloaded' },
  'overloaded /claude': { status: 503, kind: 'overloaded' },
  'auth /chat': { status: 502, kind: 'upstream_auth' },
  'auth /claude': { status: 502, kind: 'upstream_auth' },
  'timeout /chat': { status: 504, kind: 'upstream_timeout' },
  'timeout /claude': { status: 504, kind: 'upstream_timeout' },
  'server_error /chat': { status: 502, kind: 'upstream_error' },
  'server_error /claude': { status: 502, kind: 'upstream_error' },
  // The stream already answered 200; the failure arrives as the last SSE event.
  'stream_error /chat/stream': { status: 200, kind: 'upstream_error' },
};

const FRAMEWORK_NAMES = ['express', 'koa', 'hono', 'nest', 'fastify'];

/** Strings that must never reach a client, and never a log line unredacted. */
const SECRETS = [
  DEMO_OPENAI_KEY,
  DEMO_ANTHROPIC_KEY,
  'org-FAKEorg0000',
  'proj_FAKEproj0000',
  '00000000-0000-4000-8000-000000000000',
];

function upstreamMessages(): string[] {
  const out: string[] = [];
  for (const f of fixtures) {
    if ((f.provider !== 'openai' && f.provider !== 'anthropic') || f.scenario === undefined) {
      continue;
    }
    const body = f.respond(Date.now()).body as { error?: { message?: unknown } } | undefined;
    const message = body?.error?.message;
    if (typeof message === 'string' && message.length > 0) out.push(message);
  }
  return out;
}

function upstreamRequestIds(): string[] {
  return fixtures.flatMap((f) =>
    f.expected.upstreamRequestId !== undefined ? [f.expected.upstreamRequestId] : [],
  );
}

let stack: Stack;
let outcomes: Outcome[];

beforeAll(async () => {
  stack = await startStack({ timeoutMs: 2500 });
  outcomes = await runAll(stack, CASES, 'e2e');
});

afterAll(async () => {
  await stack?.close();
});

function outcomesOf(id: string): Outcome[] {
  return outcomes.filter((o) => caseId(o.case) === id);
}

describe('pnpm demo scenarios against every example app', () => {
  it('runs every framework and every case, and every request gets an HTTP answer', () => {
    expect(stack.apps.map((a) => a.name)).toEqual(FRAMEWORK_NAMES);
    expect(Object.keys(EXPECTED).sort()).toEqual(CASES.map(caseId).sort());
    expect(outcomes).toHaveLength(CASES.length * FRAMEWORK_NAMES.length);
    expect(outcomes.filter((o) => o.failure !== undefined)).toEqual([]);
  });

  it('forwards the scenario to the upstream (the mock saw each one from each app)', () => {
    for (const c of CASES) {
      const seen = stack.mock.requests.filter(
        (r) =>
          r.scenario === c.scenario &&
          r.stream === (c.route === '/chat/stream') &&
          r.provider === (c.route === '/claude' ? 'anthropic' : 'openai'),
      );
      expect(seen, caseId(c)).toHaveLength(FRAMEWORK_NAMES.length);
    }
  });

  it('all frameworks answer every case alike: status, headers and body bytes', () => {
    const found = disagreements(outcomes);
    expect(found, renderDisagreements(found)).toEqual([]);
  });

  describe.each(CASES.map(caseId))('%s', (id) => {
    const expected = EXPECTED[id];

    it('has the status, kind and Retry-After of the default policy', () => {
      expect(expected).toBeDefined();
      if (expected === undefined) return;
      for (const o of outcomesOf(id)) {
        const where = `${o.framework} ${id}`;
        expect(o.status, where).toBe(expected.status);
        expect(o.headers['retry-after'], where).toBe(expected.retryAfter);
        if (expected.kind === undefined) {
          expect(o.problem, where).toBeUndefined();
          continue;
        }
        const problem = o.problem ?? {};
        expect(problem.kind, where).toBe(expected.kind);
        expect(problem.status, where).toBe(DEFAULT_POLICY[expected.kind]);
        expect(problem.type, where).toMatch(new RegExp(`/problems/${expected.kind}$`));
        expect(problem.retryAfter, where).toBe(
          expected.retryAfter !== undefined ? Number(expected.retryAfter) : undefined,
        );
        expect(typeof problem.title, where).toBe('string');
        expect(typeof problem.detail, where).toBe('string');
        if (o.events === undefined) {
          expect(o.headers['content-type'], where).toBe('application/problem+json');
          expect(o.headers['cache-control'], where).toBe('no-store');
          expect(o.status, where).toBe(DEFAULT_POLICY[expected.kind]);
        }
      }
    });

    it('leaks no key, account id, upstream message, request id or upstream header', () => {
      const messages = upstreamMessages();
      const requestIds = upstreamRequestIds();
      expect(messages.length).toBeGreaterThan(10);
      for (const o of outcomesOf(id)) {
        const where = `${o.framework} ${id}`;
        const text = `${o.body}\n${Object.values(o.headers).join('\n')}`;
        for (const secret of [...SECRETS, ...messages, ...requestIds]) {
          expect(text.includes(secret), `${where} contains ${secret}`).toBe(false);
        }
        expect(text, where).not.toMatch(/\bsk-[A-Za-z0-9_-]{8,}|\n\s+at\s|node_modules/);
        for (const name of Object.keys(o.headers)) {
          expect(name, where).not.toMatch(
            /ratelimit|^x-request-id$|^request-id$|^openai-|^anthropic-|^x-mock-|^x-should-retry$/,
          );
        }
      }
    });
  });

  it('ok returns the real completion on every route', () => {
    for (const o of [...outcomesOf('ok /chat'), ...outcomesOf('ok /claude')]) {
      expect(o.json, o.framework).toEqual({
        model: o.case.route === '/claude' ? 'claude-sonnet-4-5' : 'gpt-4o-mini',
        reply: REPLY,
      });
    }
    for (const o of outcomesOf('ok /chat/stream')) {
      const events = o.events ?? [];
      expect(o.headers['content-type'], o.framework).toMatch(/^text\/event-stream/);
      expect(events.at(-1), o.framework).toEqual({ event: 'message', data: '[DONE]' });
      const tokens = events
        .slice(0, -1)
        .map((e) => (JSON.parse(e.data) as { token: string }).token)
        .join('');
      expect(tokens, o.framework).toBe(REPLY);
    }
  });

  it('stream_error streams tokens, then ends with event: error carrying the problem', () => {
    for (const o of outcomesOf('stream_error /chat/stream')) {
      const events = o.events ?? [];
      expect(o.headers['content-type'], o.framework).toMatch(/^text\/event-stream/);
      expect(events.length, o.framework).toBeGreaterThan(1);
      const last = events.at(-1);
      expect(last?.event, o.framework).toBe('error');
      expect(JSON.parse(last?.data ?? 'null'), o.framework).toEqual(o.problem);
      for (const e of events.slice(0, -1)) {
        expect(e.event, o.framework).toBe('message');
        expect(typeof (JSON.parse(e.data) as { token?: unknown }).token).toBe('string');
      }
      expect(
        events.some((e) => e.data === '[DONE]'),
        o.framework,
      ).toBe(false);
    }
  });
});

interface LogLine {
  level: number;
  event?: string;
  kind?: string;
  http?: { requestId?: string; path?: string };
  downstream?: { status?: number };
}

describe('pino log lines', () => {
  function upstreamLines(app: string): LogLine[] {
    const logs = stack.apps.find((a) => a.name === app)?.logs ?? [];
    return logs
      .map((line) => JSON.parse(line) as LogLine)
      .filter((l) => l.event === 'four29.upstream_error');
  }

  it('are JSON and hold no key or account id', () => {
    for (const app of stack.apps) {
      expect(app.logs.length, app.name).toBeGreaterThan(0);
      for (const line of app.logs) {
        expect(() => JSON.parse(line), app.name).not.toThrow();
        for (const secret of SECRETS) {
          expect(line.includes(secret), `${app.name} log contains ${secret}`).toBe(false);
        }
      }
    }
  });

  it('describe the same requests in every framework, with the kind the client got', () => {
    const strip = (id: string | undefined, app: string) => id?.replace(`e2e-${app}-`, '');
    const reference = upstreamLines('express').map(
      (l) => `${strip(l.http?.requestId, 'express')} ${l.kind}`,
    );
    // Storm suppression logs the first of identical errors; these are all firsts of their kind.
    for (const first of [
      'rate_limited_tokens-chat rate_limited',
      'insufficient_quota-chat quota_exhausted',
      'insufficient_quota-claude quota_exhausted',
      'auth-chat upstream_auth',
      'timeout-chat upstream_timeout',
      'stream_error-chatstream upstream_error',
    ]) {
      expect(reference).toContain(first);
    }
    for (const app of FRAMEWORK_NAMES) {
      const lines = upstreamLines(app);
      expect(
        lines.map((l) => `${strip(l.http?.requestId, app)} ${l.kind}`),
        app,
      ).toEqual(reference);
      for (const l of lines) {
        const o = outcomes.find((x) => x.requestId === l.http?.requestId);
        expect(o?.problem?.kind, `${app} ${l.http?.requestId}`).toBe(l.kind);
        expect(l.downstream?.status, `${app} ${l.http?.requestId}`).toBe(o?.status);
        // 50 = error (a human must act), 40 = warn.
        expect(l.level).toBe(l.kind === 'quota_exhausted' || l.kind === 'upstream_auth' ? 50 : 40);
      }
    }
  });
});

describe('bad input from the client', () => {
  const bad: Array<[string, string, RequestInit]> = [
    [
      'invalid JSON',
      '/chat',
      { body: '{"prompt":', headers: { 'content-type': 'application/json' } },
    ],
    ['no prompt', '/claude', { body: '{}', headers: { 'content-type': 'application/json' } }],
    [
      'prompt not a string',
      '/chat/stream',
      { body: '{"prompt":42}', headers: { 'content-type': 'application/json' } },
    ],
    ['no body', '/chat', {}],
  ];

  it.each(bad)(
    '%s is a 400 from every framework, not an upstream problem',
    async (_name, route, init) => {
      const before = stack.mock.requests.length;
      for (const app of stack.apps) {
        const res = await fetch(`${app.url}${route}`, { method: 'POST', ...init });
        const text = await res.text();
        expect(res.status, app.name).toBe(400);
        expect(res.headers.get('content-type'), app.name).not.toMatch(/problem\+json/);
        expect(text, app.name).not.toMatch(/\n\s+at\s|node_modules|"prompt":/);
      }
      // Nothing reached the upstream.
      expect(stack.mock.requests.length).toBe(before);
    },
  );
});
