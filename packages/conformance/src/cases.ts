import Anthropic from '@anthropic-ai/sdk';
import { UpstreamHttpError } from '@four29/core';
import {
  type ExpectedClassification,
  FIXTURE_NOW,
  fixtures,
  type ScenarioId,
  scenarioFixture,
} from '@four29/fixtures';
import { type MockUpstream, startMockUpstream } from '@four29/mock-upstream';
import createError from 'http-errors';
import OpenAI6 from 'openai';
import OpenAI4 from 'openai4';
import OpenAI5 from 'openai5';

export { FIXTURE_NOW };

/**
 * Credentials the SDK clients send to the mock upstream. They look like real keys on purpose: the
 * suite asserts that none of them reaches a client or a log record.
 */
export const API_KEYS = {
  openai: 'sk-proj-ConformanceSecretKey0000000000000000',
  anthropic: 'sk-ant-api03-ConformanceSecretKey000000000000',
  google: 'AIzaSyConformanceSecretKey00000000000',
} as const;

/**
 * Account identifiers the fixtures put into upstream messages and headers. Redaction must keep them
 * out of log records, and nothing from the upstream may reach the client at all.
 */
export const ACCOUNT_IDS: readonly string[] = [
  'org-FAKEorg0000',
  'proj_FAKEproj0000',
  '00000000-0000-4000-8000-000000000000',
];

/** How long the SDK clients wait for the `timeout` scenario, which never answers. */
export const CLIENT_TIMEOUT_MS = 300;
/** Every other scenario answers at once; a generous timeout keeps a busy CI machine from turning it into a timeout. */
const ANSWER_TIMEOUT_MS = 30_000;

export type CaseGroup = 'sdk' | 'upstream-http-error' | 'descriptor' | 'cause';

/** One upstream error every target must answer byte for byte alike. */
export interface UpstreamCase {
  /** Stable id, also the route segment: `sdk.openai6.rate_limited_tokens`, `desc.openai.server_error`… */
  readonly id: string;
  readonly group: CaseGroup;
  /** The pre-built value every target throws: the very same object in every framework. */
  readonly error: unknown;
  /** What core must conclude (the fixture's expectation). */
  readonly expected: ExpectedClassification;
  /** Text from the upstream that must never reach a client: its message, request id, headers. */
  readonly upstreamText: readonly string[];
  /**
   * For SDK cases: makes the same upstream call again, inside the request, and rejects with what the
   * SDK throws. The realistic path; the answer must equal the one for the pre-built `error`.
   */
  readonly live?: () => Promise<never>;
}

/** An error four29 must leave alone: each framework answers exactly as it does without four29. */
export interface UntouchedCase {
  readonly id: string;
  readonly error: unknown;
}

export type SdkId = 'openai6' | 'openai5' | 'openai4' | 'anthropic' | 'gemini-fetch';

export const SDK_SCENARIOS = [
  'rate_limited_tokens',
  'rate_limited_requests',
  'insufficient_quota',
  'request_too_large',
  'overloaded',
  'auth',
  'server_error',
  'timeout',
] as const satisfies readonly ScenarioId[];

export type SdkScenario = (typeof SDK_SCENARIOS)[number];

const SDK_PROVIDER: Readonly<Record<SdkId, 'openai' | 'anthropic' | 'google'>> = {
  openai6: 'openai',
  openai5: 'openai',
  openai4: 'openai',
  anthropic: 'anthropic',
  'gemini-fetch': 'google',
};

const MESSAGES = [{ role: 'user' as const, content: 'Say hello.' }];

/** The same call through each major of the openai package (their client types do not unify). */
function openaiCall(
  sdk: 'openai6' | 'openai5' | 'openai4',
  baseURL: string,
  timeout: number,
): () => Promise<unknown> {
  const init = { apiKey: API_KEYS.openai, baseURL, maxRetries: 0, timeout };
  const body = { model: 'gpt-4o-mini', messages: MESSAGES };
  if (sdk === 'openai4') {
    const client = new OpenAI4(init);
    return () => client.chat.completions.create(body);
  }
  if (sdk === 'openai5') {
    const client = new OpenAI5(init);
    return () => client.chat.completions.create(body);
  }
  const client = new OpenAI6(init);
  return () => client.chat.completions.create(body);
}

function anthropicCall(baseURL: string, timeout: number): () => Promise<unknown> {
  const client = new Anthropic({ apiKey: API_KEYS.anthropic, baseURL, maxRetries: 0, timeout });
  return () =>
    client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: MESSAGES });
}

/** Gemini through plain fetch, the way the core README tells fetch users to throw. */
function geminiCall(base: string, timeout: number): () => Promise<unknown> {
  // The key in the query string, as Google's own examples do: it must not survive into logs.
  const url = `${base}/v1beta/models/gemini-2.5-flash:generateContent?key=${API_KEYS.google}`;
  return async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hello.' }] }] }),
      signal: AbortSignal.timeout(timeout),
    });
    if (!res.ok) throw await UpstreamHttpError.fromResponse(res);
    return res.json();
  };
}

function sdkCall(sdk: SdkId, mock: MockUpstream, scenario: SdkScenario): () => Promise<never> {
  const base = `${mock.url}/scenario/${scenario}`;
  const timeout = scenario === 'timeout' ? CLIENT_TIMEOUT_MS : ANSWER_TIMEOUT_MS;
  const call =
    sdk === 'anthropic'
      ? anthropicCall(base, timeout)
      : sdk === 'gemini-fetch'
        ? geminiCall(base, timeout)
        : openaiCall(sdk, `${base}/v1`, timeout);
  return async () => {
    await call();
    // Every scenario here is an error scenario: a success means the mock or the SDK changed.
    throw new Error(`conformance: ${sdk} ${scenario} unexpectedly succeeded`);
  };
}

function expectedForSdk(sdk: SdkId, scenario: SdkScenario): ExpectedClassification {
  const provider = SDK_PROVIDER[sdk];
  if (scenario === 'timeout') {
    // A client-side timeout has no upstream response, and the OpenAI and Anthropic SDKs share the
    // error class name: without a `provider` option nothing says who did not answer.
    // fetch's AbortSignal timeout is reported by its DOMException name.
    return sdk === 'gemini-fetch'
      ? {
          kind: 'upstream_timeout',
          provider: 'generic',
          retryable: true,
          upstreamCode: 'TimeoutError',
        }
      : { kind: 'upstream_timeout', provider: 'generic', retryable: true };
  }
  const fixture = scenarioFixture(provider, scenario);
  if (fixture === undefined) throw new Error(`conformance: no ${provider} fixture for ${scenario}`);
  return fixture.expected;
}

function upstreamTextOf(headers: Readonly<Record<string, string>>, body: unknown): string[] {
  const out: string[] = [];
  const add = (s: unknown) => {
    // Short values ('0', 'true', '12') would match by accident anywhere.
    if (typeof s === 'string' && s.length >= 8) out.push(s);
  };
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'content-type' && name !== 'retry-after') add(value);
  }
  const walk = (v: unknown, depth: number): void => {
    if (depth > 6) return;
    if (typeof v === 'string') {
      // Messages (prose) by a distinctive slice, so a redacted or cut copy still counts; ids (no
      // spaces, with a digit). Codes such as `rate_limit_exceeded` may legitimately echo in a
      // remediation step id, so they are not upstream text here.
      if (/\s/.test(v) && v.length >= 20) add(v.slice(0, 40));
      else if (!/\s/.test(v) && /\d/.test(v)) add(v);
      return;
    }
    if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(body, 0);
  return [...new Set(out)].filter((s) => !/^https?:\/\//.test(s));
}

const SDKS: readonly SdkId[] = ['openai6', 'openai5', 'openai4', 'anthropic', 'gemini-fetch'];

async function sdkCases(mock: MockUpstream): Promise<UpstreamCase[]> {
  const out: Promise<UpstreamCase>[] = [];
  for (const sdk of SDKS) {
    for (const scenario of SDK_SCENARIOS) {
      const live = sdkCall(sdk, mock, scenario);
      out.push(
        live().then(
          () => {
            throw new Error('unreachable');
          },
          (error: unknown) => {
            const fixture =
              scenario === 'timeout' ? undefined : scenarioFixture(SDK_PROVIDER[sdk], scenario);
            const recorded = fixture?.respond(FIXTURE_NOW);
            return {
              id: `sdk.${sdk}.${scenario}`,
              group: 'sdk' as const,
              error,
              expected: expectedForSdk(sdk, scenario),
              upstreamText:
                recorded === undefined ? [] : upstreamTextOf(recorded.headers, recorded.body),
              live,
            };
          },
        ),
      );
    }
  }
  return Promise.all(out);
}

function fixtureCases(): UpstreamCase[] {
  const out: UpstreamCase[] = [];
  for (const f of fixtures) {
    const r = f.respond(FIXTURE_NOW);
    const upstreamText = upstreamTextOf(r.headers, r.body);
    out.push({
      id: `http.${f.id}`,
      group: 'upstream-http-error',
      error: new UpstreamHttpError({ status: r.status, headers: r.headers, body: r.body }),
      expected: f.expected,
      upstreamText,
    });
    out.push({
      id: `desc.${f.id}`,
      group: 'descriptor',
      // What a hand-written fetch wrapper throws: no class, no provider hint.
      error: { status: r.status, headers: { ...r.headers }, body: r.body },
      expected: f.expected,
      upstreamText,
    });
  }
  return out;
}

/** An application error class, as services wrap what their upstream client threw. */
class ChatServiceError extends Error {
  override readonly name = 'ChatServiceError';
}

function causeCases(sdk: readonly UpstreamCase[], fromFixtures: readonly UpstreamCase[]) {
  const byId = new Map([...sdk, ...fromFixtures].map((c) => [c.id, c]));
  const wrap = (id: string, depth: number): UpstreamCase => {
    const inner = byId.get(id);
    if (inner === undefined) throw new Error(`conformance: no case ${id} to wrap`);
    let error: unknown = inner.error;
    for (let i = 0; i < depth; i++) {
      error = new ChatServiceError(`chat completion failed (${i})`, { cause: error });
    }
    // No live call: the wrapping happens in application code, not in the SDK.
    const { live: _live, ...rest } = inner;
    return { ...rest, id: `cause${depth}.${id}`, group: 'cause', error };
  };
  return [
    wrap('sdk.openai6.rate_limited_tokens', 1),
    wrap('sdk.anthropic.overloaded', 1),
    wrap('sdk.openai6.timeout', 1),
    wrap('desc.bedrock.throttling.tokens', 1),
    wrap('http.google.rate_limit.requests_per_day', 3),
  ];
}

/**
 * Non-upstream errors, each framework-neutral. Targets add their own framework's native errors
 * (Hono's HTTPException, Nest's ThrottlerException) to these.
 */
export function untouchedCases(): UntouchedCase[] {
  return [
    { id: 'plain-error', error: new Error('boom') },
    { id: 'http-errors-404', error: createError(404) },
    { id: 'http-errors-429', error: createError(429, 'Too many requests from you') },
    {
      // What an application's own rate limiter throws: a 429 with Retry-After. It looks like an
      // upstream rate limit on the surface, but it is the caller's, and the framework answers it.
      id: 'own-rate-limiter-429',
      error: createError(429, 'Too Many Requests', { headers: { 'Retry-After': '10' } }),
    },
    { id: 'http-errors-500', error: createError(500, 'secret internal detail') },
    { id: 'thrown-string', error: 'a thrown string' },
    // An object with a status and nothing else is not evidence of an upstream answer.
    { id: 'status-only', error: { status: 503 } },
    { id: 'typeerror', error: new TypeError("Cannot read properties of undefined (reading 'x')") },
  ];
}

export interface ConformanceCases {
  readonly upstream: readonly UpstreamCase[];
  readonly untouched: readonly UntouchedCase[];
  readonly mock: MockUpstream;
  close(): Promise<void>;
}

/**
 * Starts the mock upstream (clock fixed at FIXTURE_NOW, so replayed reset times are stable), builds
 * every case once, and keeps the mock running for the live SDK routes.
 */
export async function buildCases(): Promise<ConformanceCases> {
  const mock = await startMockUpstream({ now: () => FIXTURE_NOW });
  try {
    const sdk = await sdkCases(mock);
    const fromFixtures = fixtureCases();
    const upstream = [...sdk, ...fromFixtures, ...causeCases(sdk, fromFixtures)];
    const ids = new Set(upstream.map((c) => c.id));
    if (ids.size !== upstream.length) throw new Error('conformance: duplicate case ids');
    return { upstream, untouched: untouchedCases(), mock, close: () => mock.close() };
  } catch (err) {
    await mock.close();
    throw err;
  }
}
