/**
 * The real thing: every fixture is served over HTTP on 127.0.0.1, requested with each provider's
 * real SDK (and with fetch and axios), and the error the client throws is classified.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import {
  EXPECTED_KEYS,
  FIXTURE_NOW,
  fixtureById,
  fixtures,
  type UpstreamFixture,
} from '@four29/fixtures';
import { GoogleGenAI } from '@google/genai';
import axios from 'axios';
import OpenAI from 'openai';
import OpenAI4 from 'openai4';
import OpenAI5 from 'openai5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/index.js';
import type { Classification } from '../../src/types.js';
import { UpstreamHttpError } from '../../src/upstream-http-error.js';

let server: Server;
let base: string;
// The Bedrock runtime client speaks HTTP/2 (h2c on a plain http:// endpoint).
let server2: Http2Server;
let base2: string;
let closedPort: number;

const SSE_ERRORS: Record<string, string> = {
  anthropic:
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude","stop_reason":null,"usage":{"input_tokens":1,"output_tokens":0}}}\n\n' +
    'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
  openai:
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n' +
    'data: {"error":{"message":"Rate limit reached for gpt-4o on tokens per min (TPM): Limit 100, Used 100, Requested 5.","type":"tokens","code":"rate_limit_exceeded","param":null}}\n\n',
};

function fixtureFor(req: {
  readonly headers: IncomingMessage['headers'];
  readonly url?: string | undefined;
}): UpstreamFixture | undefined {
  const header = req.headers['x-fixture'];
  const fromPath = /^\/f\/([^/]+)\//.exec(req.url ?? '')?.[1];
  const id = typeof header === 'string' ? header : fromPath;
  return id === undefined ? undefined : fixtures.find((f) => f.id === decodeURIComponent(id));
}

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What to answer; undefined means "never answer" (for timeouts). */
function reply(req: {
  readonly headers: IncomingMessage['headers'];
  readonly url?: string | undefined;
}): Reply | undefined {
  const sse = req.headers['x-sse-error'];
  if (typeof sse === 'string') {
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'request-id': 'req_stream_http' },
      body: SSE_ERRORS[sse] ?? '',
    };
  }
  if (req.headers['x-hang'] !== undefined || req.url?.startsWith('/hang')) return undefined;
  const f = fixtureFor(req);
  if (f === undefined) return { status: 500, headers: {}, body: 'no fixture' };
  const r = f.respond(FIXTURE_NOW);
  return {
    status: r.status,
    headers: { ...r.headers },
    body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const r = reply(req);
    if (r !== undefined) res.writeHead(r.status, r.headers).end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server2 = createHttp2Server((req, res) => {
    req.resume();
    const r = reply(req);
    if (r !== undefined) res.writeHead(r.status, r.headers).end(r.body);
  });
  await new Promise<void>((resolve) => server2.listen(0, '127.0.0.1', resolve));
  base2 = `http://127.0.0.1:${(server2.address() as AddressInfo).port}`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => server2.close(() => resolve()));
});

async function thrownBy(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function pick(c: Classification | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of EXPECTED_KEYS) out[key] = c?.[key];
  return out;
}

function expectedOf(f: UpstreamFixture): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of EXPECTED_KEYS) out[key] = f.expected[key];
  return out;
}

function expectFixture(thrown: unknown, f: UpstreamFixture): void {
  expect(pick(classify(thrown, { now: FIXTURE_NOW }))).toEqual(expectedOf(f));
}

const objectBodied = fixtures.filter((f) => typeof f.respond(FIXTURE_NOW).body !== 'string');
const openaiShaped = objectBodied.filter((f) => {
  const body = f.respond(FIXTURE_NOW).body as { error?: unknown; type?: unknown };
  return typeof body.error === 'object' && body.type !== 'error';
});
const ids = (list: readonly UpstreamFixture[]) => list.map((f) => [f.id, f] as const);
const messages = [{ role: 'user' as const, content: 'hi' }];

describe('real openai-node clients', () => {
  const opts = (f: UpstreamFixture) => ({
    apiKey: 'sk-test',
    baseURL: `${base}/f/${f.id}`,
    maxRetries: 0,
  });
  const calls: Record<string, (f: UpstreamFixture) => Promise<unknown>> = {
    'openai v4': (f) => new OpenAI4(opts(f)).chat.completions.create({ model: 'gpt-4o', messages }),
    'openai v5': (f) => new OpenAI5(opts(f)).chat.completions.create({ model: 'gpt-4o', messages }),
    'openai v6': (f) => new OpenAI(opts(f)).chat.completions.create({ model: 'gpt-4o', messages }),
  };
  for (const [name, call] of Object.entries(calls)) {
    it.each(ids(openaiShaped))(`${name}: %s`, async (_id, f) => {
      expectFixture(await thrownBy(() => call(f)), f);
    });
  }

  it('an error event inside a 200 stream', async () => {
    const client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: base,
      maxRetries: 0,
      defaultHeaders: { 'x-sse-error': 'openai' },
    });
    const thrown = await thrownBy(async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o',
        messages,
        stream: true,
      });
      for await (const _chunk of stream) {
        // drain
      }
    });
    const c = classify(thrown, { now: FIXTURE_NOW });
    expect(c).toMatchObject({ kind: 'rate_limited', dimension: 'tokens', limit: 100 });
    expect(c).not.toHaveProperty('upstreamStatus');
  });

  it('connection refused and client timeouts', async () => {
    const refused = new OpenAI({
      apiKey: 'sk-test',
      baseURL: `http://127.0.0.1:${closedPort}`,
      maxRetries: 0,
    });
    expect(
      classify(await thrownBy(() => refused.chat.completions.create({ model: 'm', messages }))),
    ).toMatchObject({ kind: 'upstream_error', retryable: true });
    const slow = new OpenAI({
      apiKey: 'sk-test',
      baseURL: `${base}/hang`,
      maxRetries: 0,
      timeout: 50,
    });
    expect(
      classify(await thrownBy(() => slow.chat.completions.create({ model: 'm', messages }))),
    ).toMatchObject({ kind: 'upstream_timeout', retryable: true });
  });
});

describe('real @anthropic-ai/sdk client', () => {
  it.each(ids(objectBodied))('%s', async (_id, f) => {
    const client = new Anthropic({
      apiKey: 'sk-ant-test',
      baseURL: `${base}/f/${f.id}`,
      maxRetries: 0,
    });
    expectFixture(
      await thrownBy(() =>
        client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages }),
      ),
      f,
    );
  });

  it('an overloaded_error event inside a 200 stream', async () => {
    const client = new Anthropic({
      apiKey: 'sk-ant-test',
      baseURL: base,
      maxRetries: 0,
      defaultHeaders: { 'x-sse-error': 'anthropic' },
    });
    const thrown = await thrownBy(async () => {
      const stream = await client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages,
        stream: true,
      });
      for await (const _event of stream) {
        // drain
      }
    });
    const c = classify(thrown, { now: FIXTURE_NOW });
    expect(c).toMatchObject({ kind: 'overloaded', provider: 'anthropic', retryable: true });
    expect(c).not.toHaveProperty('upstreamStatus');
  });

  it('client timeout', async () => {
    const client = new Anthropic({
      apiKey: 'sk-ant-test',
      baseURL: `${base}/hang`,
      maxRetries: 0,
      timeout: 50,
    });
    expect(
      classify(
        await thrownBy(() => client.messages.create({ model: 'c', max_tokens: 1, messages })),
      )?.kind,
    ).toBe('upstream_timeout');
  });
});

describe('fetch + UpstreamHttpError.fromResponse', () => {
  it.each(ids(fixtures))('%s', async (_id, f) => {
    const res = await fetch(`${base}/f/${f.id}/x`);
    expect(res.ok).toBe(false);
    expectFixture(await UpstreamHttpError.fromResponse(res), f);
  });

  it('connection refused → fetch failed with ECONNREFUSED → upstream_error', async () => {
    const thrown = await thrownBy(() => fetch(`http://127.0.0.1:${closedPort}/`));
    expect(thrown).toBeInstanceOf(TypeError);
    expect(classify(thrown)).toMatchObject({ kind: 'upstream_error', retryable: true });
  });

  it('AbortSignal.timeout → upstream_timeout', async () => {
    const thrown = await thrownBy(() => fetch(`${base}/hang`, { signal: AbortSignal.timeout(50) }));
    expect(classify(thrown)).toMatchObject({ kind: 'upstream_timeout', retryable: true });
  });

  it('the caller aborting → null', async () => {
    const controller = new AbortController();
    const pending = fetch(`${base}/hang`, { signal: controller.signal });
    controller.abort();
    expect(classify(await thrownBy(() => pending))).toBeNull();
  });
});

describe('axios', () => {
  it.each(ids(fixtures))('%s', async (_id, f) => {
    expectFixture(await thrownBy(() => axios.get(`${base}/f/${f.id}/x`)), f);
  });

  it('ECONNREFUSED, timeout and cancel', async () => {
    expect(
      classify(await thrownBy(() => axios.get(`http://127.0.0.1:${closedPort}/`))),
    ).toMatchObject({ kind: 'upstream_error', retryable: true });
    expect(classify(await thrownBy(() => axios.get(`${base}/hang`, { timeout: 50 })))?.kind).toBe(
      'upstream_timeout',
    );
    const controller = new AbortController();
    const pending = axios.get(`${base}/hang`, { signal: controller.signal });
    controller.abort();
    expect(classify(await thrownBy(() => pending))).toBeNull();
  });
});

describe('@google/genai', () => {
  const google = fixtures.filter((f) => f.provider === 'google');
  it.each(ids(google))('%s', async (_id, f) => {
    const ai = new GoogleGenAI({
      apiKey: 'AIzaTest',
      httpOptions: { baseUrl: base, headers: { 'x-fixture': f.id } },
    });
    expectFixture(
      await thrownBy(() =>
        ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }),
      ),
      f,
    );
  });
});

describe('@aws-sdk/client-bedrock-runtime', () => {
  const bedrock = fixtures.filter((f) => f.provider === 'bedrock');
  it.each(ids(bedrock))('%s', async (_id, f) => {
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: `${base2}/f/${f.id}`,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    const thrown = await thrownBy(() =>
      client.send(new InvokeModelCommand({ modelId: 'anthropic.claude-v2', body: '{}' })),
    );
    expectFixture(thrown, f);
    client.destroy();
  });
});

describe('fixtureById', () => {
  it('throws on an unknown id so a typo fails loudly', () => {
    expect(() => fixtureById('nope')).toThrow(/unknown fixture/);
  });
});
