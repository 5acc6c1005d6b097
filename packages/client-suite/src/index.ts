// Shared by the client suites (source only: vitest compiles it). Real sockets on 127.0.0.1 only.
import { createServer, type Server } from 'node:http';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import {
  type Classification,
  type ClassifyOptions,
  classify,
  createUpstreamErrorHandler,
  type HandledUpstreamError,
} from '@four29/core';
import { EXPECTED_KEYS, FIXTURE_NOW, fixtureById, type UpstreamFixture } from '@four29/fixtures';
import { type MockUpstream, startMockUpstream } from '@four29/mock-upstream';
import { expect } from 'vitest';

/** How long a client waits for the server that never answers: short, so the suite stays fast. */
export const CLIENT_TIMEOUT_MS = 200;

export interface Upstreams {
  /** apps/mock-upstream: every provider's documented answers, chosen by `/scenario/<name>`. */
  readonly mock: MockUpstream;
  /** An HTTP/1.1 server that accepts requests and never answers. */
  readonly hangUrl: string;
  /** The same over h2c (the Bedrock runtime client speaks HTTP/2). */
  readonly hangH2Url: string;
  /** A port nobody listens on: connection refused. */
  readonly closedUrl: string;
  close(): Promise<void>;
}

function portOf(server: Server | Http2Server): number {
  return (server.address() as AddressInfo).port;
}

export async function startUpstreams(): Promise<Upstreams> {
  const mock = await startMockUpstream();
  const hang = createServer((req) => req.resume());
  await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
  const hang2 = createHttp2Server((req) => req.resume());
  const sessions = new Set<{ destroy(): void }>();
  hang2.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => hang2.listen(0, '127.0.0.1', resolve));
  // Listen, note the port, close: nothing else binds it for the few seconds a suite runs.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const closedPort = portOf(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return {
    mock,
    hangUrl: `http://127.0.0.1:${portOf(hang)}`,
    hangH2Url: `http://127.0.0.1:${portOf(hang2)}`,
    closedUrl: `http://127.0.0.1:${closedPort}`,
    async close() {
      hang.closeAllConnections();
      for (const s of sessions) s.destroy();
      await Promise.all([
        mock.close(),
        new Promise<void>((resolve) => hang.close(() => resolve())),
        new Promise<void>((resolve) => hang2.close(() => resolve())),
      ]);
    },
  };
}

/** The mock's base URL for one scenario (`rate_limited_requests`, `insufficient_quota`, …). */
export function scenarioUrl(up: Upstreams, scenario: string): string {
  return `${up.mock.url}/scenario/${scenario}`;
}

export async function thrownBy(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

const handler = createUpstreamErrorHandler({ logger: false });

/**
 * Classifies `thrown` and renders it through the handler; both must agree with `expected`. The
 * rendered body is the problem document a client of the app receives.
 */
export function expectUpstream(
  thrown: unknown,
  expected: Partial<Classification>,
): { classification: Classification; handled: HandledUpstreamError } {
  const classification = classify(thrown);
  expect(classification, `classify(${describeError(thrown)})`).not.toBeNull();
  expect(classification).toMatchObject(expected);
  const handled = handler(thrown);
  expect(handled, 'the handler answers it').not.toBeNull();
  if (handled === null || classification === null) throw new Error('unreachable');
  const body = JSON.parse(handled.body) as Record<string, unknown>;
  expect(body).toMatchObject({ kind: classification.kind, retryable: classification.retryable });
  expect(handled.status).toBe(body.status);
  return { classification, handled };
}

/** The handler declines it: the framework's own error handling answers. */
export function expectNotUpstream(thrown: unknown): void {
  expect(classify(thrown), `classify(${describeError(thrown)})`).toBeNull();
  expect(handler(thrown)).toBeNull();
}

function describeError(thrown: unknown): string {
  if (typeof thrown !== 'object' || thrown === null) return String(thrown);
  const e = thrown as { name?: unknown; code?: unknown; constructor?: { name?: unknown } };
  return `${String(e.constructor?.name)} ${String(e.name)} ${String(e.code)}`;
}

export interface FixtureServer {
  /** Base URL that replays fixture `id` for every path under it: `${url}/f/<id>`. */
  readonly url: string;
  /** How many requests each fixture id has been asked for (to see an SDK's retries). */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A loopback server that answers every request under `/f/<fixture id>/` with that recorded
 * response — status, headers and body exactly as in packages/fixtures, replayed at FIXTURE_NOW.
 * For the SDKs of providers apps/mock-upstream has no routes for (the OpenAI-compatible ones).
 */
export async function startFixtureServer(): Promise<FixtureServer> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    const raw = /^\/f\/([^/?]+)/.exec(req.url ?? '')?.[1];
    const id = raw === undefined ? undefined : decodeURIComponent(raw);
    let r: ReturnType<UpstreamFixture['respond']>;
    try {
      if (id === undefined) throw new Error(`no fixture id in ${req.url}`);
      r = fixtureById(id).respond(FIXTURE_NOW);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      return;
    }
    hits.set(id as string, (hits.get(id as string) ?? 0) + 1);
    res
      .writeHead(r.status, r.headers)
      .end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${portOf(server)}`,
    hits,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The fixture's base URL on a fixture server. */
export function fixtureUrl(server: FixtureServer, f: UpstreamFixture): string {
  return `${server.url}/f/${encodeURIComponent(f.id)}`;
}

function pickExpected(
  c: Partial<Record<(typeof EXPECTED_KEYS)[number], unknown>> | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of EXPECTED_KEYS) out[key] = c?.[key];
  return out;
}

/**
 * What core's normalize.clients test checks for every fixture: each key of `expected` is exactly
 * the fixture's (an absent key must be absent), classified at FIXTURE_NOW; and the handler answers.
 */
export function expectFixture(
  thrown: unknown,
  f: UpstreamFixture,
  options: Omit<ClassifyOptions, 'now'> = {},
): Classification {
  const classification = classify(thrown, { ...options, now: FIXTURE_NOW });
  expect(classification, `classify(${describeError(thrown)}) for ${f.id}`).not.toBeNull();
  expect(pickExpected(classification)).toEqual(pickExpected(f.expected));
  expectUpstream(thrown, { kind: f.expected.kind, retryable: f.expected.retryable });
  if (classification === null) throw new Error('unreachable');
  return classification;
}

export const OPENAI_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
});
export const OPENAI_HEADERS = {
  authorization: 'Bearer sk-test',
  'content-type': 'application/json',
} as const;

export const ANTHROPIC_BODY = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
});
export const ANTHROPIC_HEADERS = {
  'x-api-key': 'sk-ant-test',
  'anthropic-version': '2023-06-01',
  'content-type': 'application/json',
} as const;
