/**
 * Connection failures and timeouts of the Google and Bedrock SDKs (their HTTP errors are covered
 * fixture by fixture in packages/core's normalize.clients test): what reaches the handler when the
 * provider never answered.
 */
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_TIMEOUT_MS,
  expectNotUpstream,
  expectUpstream,
  scenarioUrl,
  startUpstreams,
  thrownBy,
  type Upstreams,
} from '../../src/index.js';

let up: Upstreams;
// apps/mock-upstream speaks HTTP/1.1 and has no Bedrock routes; the Bedrock runtime client speaks
// HTTP/2 (h2c on an http:// endpoint), so Bedrock's recorded answers are served here over h2c.
let bedrockServer: Http2Server;
let bedrockUrl: string;

beforeAll(async () => {
  up = await startUpstreams();
  bedrockServer = createServer((req, res) => {
    req.resume();
    const r = fixtureById(String(req.headers['x-fixture'])).respond(FIXTURE_NOW);
    res
      .writeHead(r.status, r.headers)
      .end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  });
  await new Promise<void>((resolve) => bedrockServer.listen(0, '127.0.0.1', resolve));
  bedrockUrl = `http://127.0.0.1:${(bedrockServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => bedrockServer.close(() => resolve()));
  await up.close();
});

describe('@google/genai', () => {
  const genai = (baseUrl: string, timeout?: number) =>
    new GoogleGenAI({
      apiKey: 'AIzaTest',
      httpOptions: { baseUrl, ...(timeout !== undefined ? { timeout } : {}) },
    });
  const generate = (ai: GoogleGenAI, abortSignal?: AbortSignal) =>
    ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'hi',
      ...(abortSignal !== undefined ? { config: { abortSignal } } : {}),
    });

  it('ApiError 429, and no quota left (limit: 0) as quota', async () => {
    expectUpstream(
      await thrownBy(() => generate(genai(scenarioUrl(up, 'rate_limited_requests')))),
      {
        kind: 'rate_limited',
        provider: 'google',
        upstreamStatus: 429,
      },
    );
    expectUpstream(await thrownBy(() => generate(genai(scenarioUrl(up, 'insufficient_quota')))), {
      kind: 'quota_exhausted',
      provider: 'google',
      retryable: false,
    });
  });

  it('connection refused (fetch failed, ECONNREFUSED cause)', async () => {
    expectUpstream(await thrownBy(() => generate(genai(up.closedUrl))), {
      kind: 'upstream_error',
      upstreamCode: 'ECONNREFUSED',
    });
  });

  it('timeouts: the SDK aborts without a reason, so they read as the caller’s (known gap)', async () => {
    // httpOptions.timeout and a caller's AbortSignal.timeout both reach fetch through the SDK's
    // own AbortController, aborted with no reason: a plain AbortError, like a user abort.
    const own = await thrownBy(() => generate(genai(up.hangUrl, CLIENT_TIMEOUT_MS)));
    expect(own).toMatchObject({ name: 'AbortError' });
    expectNotUpstream(own);
    const signal = AbortSignal.timeout(CLIENT_TIMEOUT_MS);
    const viaSignal = await thrownBy(() => generate(genai(up.hangUrl), signal));
    expectNotUpstream(viaSignal);
    // What the caller can rethrow instead (docs/clients.md).
    expectUpstream(signal.reason, { kind: 'upstream_timeout' });
  });
});

describe('@aws-sdk/client-bedrock-runtime (HTTP/2 handler)', () => {
  const bedrock = (endpoint: string, fixture?: string) => {
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
      requestHandler: { requestTimeout: CLIENT_TIMEOUT_MS },
    });
    if (fixture !== undefined)
      client.middlewareStack.add(
        (next) => (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-fixture'] = fixture;
          return next(args);
        },
        { step: 'build' },
      );
    return client;
  };
  const invoke = async (client: BedrockRuntimeClient) => {
    try {
      return await client.send(
        new InvokeModelCommand({ modelId: 'anthropic.claude-v2', body: '{}' }),
      );
    } finally {
      client.destroy();
    }
  };

  it('ThrottlingException 429', async () => {
    expectUpstream(
      await thrownBy(() => invoke(bedrock(bedrockUrl, 'bedrock.throttling.requests'))),
      {
        kind: 'rate_limited',
        provider: 'bedrock',
        upstreamStatus: 429,
      },
    );
  });

  it('TimeoutError with $metadata against a server that never answers', async () => {
    const thrown = await thrownBy(() => invoke(bedrock(up.hangH2Url)));
    expect(thrown).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 1 } });
    expect(thrown).not.toHaveProperty('$fault');
    expectUpstream(thrown, { kind: 'upstream_timeout', retryable: true });
  });

  it('connection refused: a stream error caused by ECONNREFUSED', async () => {
    const thrown = await thrownBy(() => invoke(bedrock(up.closedUrl)));
    expect(thrown).toHaveProperty('$metadata');
    expectUpstream(thrown, {
      kind: 'upstream_error',
      retryable: true,
      upstreamCode: 'ECONNREFUSED',
    });
  });
});
