import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  fixtures as defaultFixtures,
  type ScenarioId,
  type UpstreamFixture,
} from '@four29/fixtures';
import { errorEnvelope } from './envelope.js';
import {
  findFixture,
  findStreamErrorFixture,
  honestRefusal,
  type Replay,
  rateLimitHeaders,
  replay,
} from './fixture.js';
import { keyId } from './ids.js';
import { anthropicHeaders, anthropicMessage, anthropicStream } from './providers/anthropic.js';
import { geminiResponse, geminiStream } from './providers/gemini.js';
import { chatCompletion, chatHeaders, chatStream } from './providers/openai-chat.js';
import { type BucketDecision, DEFAULT_BUCKET, RateLimiter, validateBucket } from './ratelimit.js';
import { type ParsedRequest, parseRequest } from './request.js';
import { type Endpoint, route } from './route.js';
import { SCENARIOS } from './scenarios.js';
import type { MockProvider, MockUpstream, MockUpstreamOptions, RecordedRequest } from './types.js';

/** Larger bodies are refused with 413 before they are buffered. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** How many pieces a `stream_error` stream delivers before it fails. */
export const STREAM_ERROR_AFTER = 3;

type ApiEndpoint = Exclude<Endpoint, { kind: 'index' }>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  const latencyMs = options.latencyMs ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError('port must be an integer from 0 to 65535');
  }
  if (!Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new TypeError('latencyMs must be a non-negative number');
  }
  const now = options.now ?? Date.now;
  const fixtureList: readonly UpstreamFixture[] = options.fixtures ?? defaultFixtures;
  const bucket = validateBucket(options.bucket ?? DEFAULT_BUCKET);
  const limiter = new RateLimiter(bucket);
  const chargeRequested = bucket.tokenCharge === 'requested';
  const log = toLogger(options.log);

  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const waits = new Set<() => void>();
  let closing: Promise<void> | undefined;

  const record = (entry: RecordedRequest) => {
    requests.push(entry);
    if (log !== undefined) {
      try {
        log(entry);
      } catch {
        // A broken log callback must not take a request down with it.
      }
    }
  };

  /** Resolves after `ms`, or at once when the server closes. */
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || closing !== undefined) return resolve();
      const done = () => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waits.add(done);
    });

  const server = createServer((req, res) => {
    req.on('error', () => {});
    res.on('error', () => {});
    handle(req, res).catch(() => {
      // Last resort: whatever went wrong, the server keeps serving.
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, {}, errorEnvelope('openai', 500, 'mock-upstream: internal error'));
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const r = route(req.url ?? '/', req.headers);
    const credential = credentialOf(req);
    const base: Mutable<RecordedRequest> = {
      at: now(),
      method,
      path: r.path,
      scenario: null,
      provider: null,
      model: null,
      stream: false,
      status: null,
      keyId: credential === undefined ? null : keyId(credential),
      fixtureId: null,
    };

    if (!r.ok) {
      req.resume();
      record({ ...base, provider: r.provider, status: r.status });
      return sendJson(res, r.status, {}, errorEnvelope(r.provider, r.status, r.message));
    }
    base.scenario = r.scenario;

    if (r.endpoint.kind === 'index') {
      req.resume();
      const status = method === 'GET' || method === 'HEAD' ? 200 : 405;
      record({ ...base, status });
      if (status === 405) {
        return sendJson(
          res,
          405,
          { allow: 'GET' },
          errorEnvelope('openai', 405, 'mock-upstream: use GET /'),
        );
      }
      return sendJson(res, 200, {}, indexDocument());
    }

    const endpoint = r.endpoint;
    const provider = endpoint.provider;
    base.provider = provider;
    const refuse = (status: number, message: string, headers: Record<string, string> = {}) => {
      record({ ...base, status });
      sendJson(res, status, headers, errorEnvelope(provider, status, message));
    };

    if (method !== 'POST') {
      req.resume();
      return refuse(405, `mock-upstream: ${method} is not supported here; use POST`, {
        allow: 'POST',
      });
    }

    const body = await readBody(req, MAX_BODY_BYTES);
    if (body.kind === 'aborted') return;
    if (body.kind === 'too_large') {
      return refuse(413, `mock-upstream: request body is larger than ${MAX_BODY_BYTES} bytes`);
    }
    let json: unknown;
    try {
      json = JSON.parse(body.text);
    } catch {
      return refuse(400, 'mock-upstream: request body is not valid JSON');
    }
    const parsed = parseRequest(endpoint, json);
    if (!parsed.ok) return refuse(400, parsed.message);
    const request = parsed.request;
    base.model = request.model;
    base.stream = request.stream;

    await wait(latencyMs);
    if (closing !== undefined || res.destroyed) return;

    const scenario = r.scenario;
    if (scenario === 'timeout') {
      // Never answer: the socket stays open until the client gives up or close() destroys it.
      record(base);
      return;
    }
    if (scenario === 'ok' || scenario === 'stream_error') {
      return sendAnswer(res, base, endpoint, request, scenario === 'stream_error');
    }
    return sendScenario(res, base, provider, scenario);
  }

  /** A success, or with `failing` a stream that breaks off; both draw from the bucket. */
  function sendAnswer(
    res: ServerResponse,
    base: RecordedRequest,
    endpoint: ApiEndpoint,
    request: ParsedRequest,
    failing: boolean,
  ): void | Promise<void> {
    const provider = endpoint.provider;
    let failure: Replay | undefined;
    if (failing) {
      if (!request.stream) {
        record({ ...base, status: 400 });
        const message =
          'mock-upstream: scenario stream_error needs a streaming request (stream: true, or :streamGenerateContent)';
        return sendJson(res, 400, {}, errorEnvelope(provider, 400, message));
      }
      const fixture = findStreamErrorFixture(fixtureList, provider);
      failure = fixture === undefined ? undefined : replay(fixture, now());
      if (failure === undefined) {
        record({ ...base, status: 501 });
        const message = `mock-upstream: no fixture for a ${provider} stream error`;
        return sendJson(res, 501, {}, errorEnvelope(provider, 501, message));
      }
    }

    const delivered = failing
      ? Math.min(STREAM_ERROR_AFTER, request.pieces.length)
      : request.completionTokens;
    const at = now();
    const charged = chargeRequested ? request.requestedCompletionTokens : delivered;
    const decision = limiter.take(base.keyId ?? 'anonymous', request.promptTokens + charged, at);
    if (!decision.allowed) return sendRefusal(res, base, provider, decision, at);

    const headers = {
      ...providerHeaders(provider),
      ...rateLimitHeaders(provider, decision.state, at),
    };
    if (!request.stream) {
      record({ ...base, status: 200 });
      return sendJson(res, 200, headers, successBody(endpoint, request, at));
    }
    if (failure !== undefined) headers['x-mock-fixture'] = failure.fixtureId;
    record({ ...base, status: 200, fixtureId: failure?.fixtureId ?? null });
    const cut =
      failure === undefined ? undefined : { body: failure.body, after: STREAM_ERROR_AFTER };
    return sendStream(res, provider, headers, streamFrames(endpoint, request, at, cut));
  }

  function sendScenario(
    res: ServerResponse,
    base: RecordedRequest,
    provider: MockProvider,
    scenario: ScenarioId,
  ): void {
    const fixture = findFixture(fixtureList, provider, scenario);
    const answer = fixture === undefined ? undefined : replay(fixture, now());
    if (answer !== undefined) {
      sendReplay(res, base, answer);
      return;
    }
    record({ ...base, status: 501 });
    const message = `mock-upstream: no fixture for scenario ${scenario} on ${provider}`;
    sendJson(res, 501, {}, errorEnvelope(provider, 501, message));
  }

  function sendRefusal(
    res: ServerResponse,
    base: RecordedRequest,
    provider: MockProvider,
    decision: Extract<BucketDecision, { allowed: false }>,
    at: number,
  ): void {
    const scenario: ScenarioId =
      decision.reason === 'requests'
        ? 'rate_limited_requests'
        : decision.reason === 'tokens'
          ? 'rate_limited_tokens'
          : 'request_too_large';
    const fixture = findFixture(fixtureList, provider, scenario);
    const answer = fixture === undefined ? undefined : replay(fixture, at);
    if (answer !== undefined) {
      sendReplay(res, base, honestRefusal(answer, provider, decision, at));
      return;
    }
    // Still a real 429 with honest headers, only without the provider's body.
    const headers = rateLimitHeaders(provider, decision.state, at);
    const wait = Math.max(0, decision.state.requests.resetAt - at);
    headers['retry-after'] = String(Math.ceil(wait / 1000));
    record({ ...base, status: 429 });
    const message = `mock-upstream: ${scenario} (no fixture for ${provider})`;
    sendJson(res, 429, headers, errorEnvelope(provider, 429, message));
  }

  function sendReplay(res: ServerResponse, base: RecordedRequest, answer: Replay): void {
    record({ ...base, status: answer.status, fixtureId: answer.fixtureId });
    sendJson(
      res,
      answer.status,
      { ...answer.headers, 'x-mock-fixture': answer.fixtureId },
      answer.body,
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Errors after startup (e.g. EMFILE on accept) are survivable; do not let them crash the process.
  server.on('error', () => {});
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    requests,
    reset() {
      requests.length = 0;
      limiter.reset();
    },
    close() {
      if (closing !== undefined) return closing;
      closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const done of [...waits]) done();
      // Hanging `timeout` requests and idle keep-alive sockets would hold close() open.
      for (const socket of sockets) socket.destroy();
      return closing;
    },
  };
}

function providerHeaders(provider: MockProvider): Record<string, string> {
  switch (provider) {
    case 'anthropic':
      return anthropicHeaders();
    case 'google':
      return {};
    default:
      return chatHeaders(provider);
  }
}

function successBody(endpoint: ApiEndpoint, request: ParsedRequest, at: number): unknown {
  switch (endpoint.kind) {
    case 'chat':
      return chatCompletion(endpoint.provider, request, at);
    case 'messages':
      return anthropicMessage(request);
    case 'gemini':
      return geminiResponse(request);
  }
}

function streamFrames(
  endpoint: ApiEndpoint,
  request: ParsedRequest,
  at: number,
  failure: { readonly body: unknown; readonly after: number } | undefined,
): string[] {
  switch (endpoint.kind) {
    case 'chat':
      return chatStream(endpoint.provider, request, at, failure);
    case 'messages':
      return anthropicStream(request, failure);
    case 'gemini':
      return geminiStream(request, failure);
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const out: Record<string, string> = {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    ...headers,
    'content-length': String(Buffer.byteLength(text)),
  };
  try {
    res.writeHead(status, out);
    res.end(text);
  } catch {
    // Invalid header values from a fixture: answer without them rather than not at all.
    if (!res.headersSent) {
      res.writeHead(status, { 'content-type': out['content-type'] ?? 'application/json' });
      res.end(text);
    } else {
      res.destroy();
    }
  }
}

async function sendStream(
  res: ServerResponse,
  provider: MockProvider,
  headers: Record<string, string>,
  frames: readonly string[],
): Promise<void> {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, {
    'content-type':
      provider === 'google' ? 'text/event-stream' : 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  res.flushHeaders();
  for (const frame of frames) {
    if (res.destroyed) return;
    res.write(frame);
    // One frame per tick, so clients see a stream arrive in pieces, not one buffered write.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!res.destroyed) res.end();
}

type Body =
  | { readonly kind: 'ok'; readonly text: string }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'aborted' };

function readBody(req: IncomingMessage, max: number): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (body: Body) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        settle({ kind: 'too_large' });
        chunks.length = 0;
        // Drain (and drop) the rest, so the client can read the 413 instead of a reset, but
        // only up to a bound: an endless upload gets its connection cut.
        req.on('data', (more: Buffer) => {
          size += more.length;
          if (size > max * 2) req.destroy();
        });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => settle({ kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => settle({ kind: 'aborted' }));
    req.on('close', () => settle({ kind: 'aborted' }));
  });
}

/** The caller's credential, from whichever header its API uses. Only ever hashed. */
function credentialOf(req: IncomingMessage): string | undefined {
  for (const name of ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key']) {
    const value = req.headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== '') return first;
  }
  try {
    const key = new URL(req.url ?? '/', 'http://mock.invalid').searchParams.get('key');
    return key === null || key === '' ? undefined : key;
  } catch {
    return undefined;
  }
}

function indexDocument(): unknown {
  return {
    name: '@four29/mock-upstream',
    endpoints: [
      'POST /v1/chat/completions (OpenAI; x-mock-provider: azure | openrouter for their shapes)',
      'POST /openai/deployments/{deployment}/chat/completions?api-version=… (Azure OpenAI)',
      'POST /api/v1/chat/completions (OpenRouter)',
      'POST /v1/messages (Anthropic)',
      'POST /v1beta/models/{model}:generateContent | :streamGenerateContent?alt=sse (Gemini)',
    ],
    scenarios: SCENARIOS,
    select: 'x-mock-scenario: <name> header, or prefix any path with /scenario/<name>',
  };
}

function toLogger(log: MockUpstreamOptions['log']): ((entry: RecordedRequest) => void) | undefined {
  if (typeof log === 'function') return log;
  if (log !== true) return undefined;
  return (e) => {
    const parts = [
      new Date(e.at).toISOString(),
      e.method,
      e.path,
      e.provider ?? '-',
      e.scenario ?? '-',
      e.status === null ? 'hanging' : String(e.status),
    ];
    if (e.keyId !== null) parts.push(`key=${e.keyId.slice(0, 8)}`);
    console.log(parts.join(' '));
  };
}
