/**
 * cohere-ai (v1 `CohereClient` and v2 `CohereClientV2`) against a loopback server replaying
 * Cohere's recorded answers (packages/fixtures). The host is 127.0.0.1 and the bodies are a bare
 * `{"id"?, "message"}`, so Cohere is told by its wording ("using a Trial key", its dashboard link).
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIXTURE_NOW, fixtures, type UpstreamFixture } from '@four29/fixtures';
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_TIMEOUT_MS,
  expectFixture,
  expectNotUpstream,
  expectUpstream,
  type FixtureServer,
  fixtureUrl,
  startFixtureServer,
  startUpstreams,
  thrownBy,
  type Upstreams,
} from '../../src/index.js';

let up: Upstreams;
let replay: FixtureServer;
beforeAll(async () => {
  [up, replay] = await Promise.all([startUpstreams(), startFixtureServer()]);
});
afterAll(async () => {
  await Promise.all([up.close(), replay.close()]);
});

const COHERE = fixtures.filter((f) => f.id.startsWith('cohere.'));
const byId = (id: string): UpstreamFixture => {
  const f = COHERE.find((x) => x.id === id);
  if (f === undefined) throw new Error(`fixture missing: ${id}`);
  return f;
};

interface CallOptions {
  readonly maxRetries?: number;
  readonly timeoutInSeconds?: number;
  readonly abortSignal?: AbortSignal;
}

const v2 = (environment: string, o: CallOptions = { maxRetries: 0 }) =>
  new CohereClientV2({ token: 'test', environment, ...o }).chat(
    { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] },
    o.abortSignal !== undefined ? { abortSignal: o.abortSignal } : undefined,
  );
const v1 = (environment: string, o: CallOptions = { maxRetries: 0 }) =>
  new CohereClient({ token: 'test', environment, ...o }).chat({ message: 'hi' });

const CLIENTS = [
  ['CohereClientV2.chat', v2],
  ['CohereClient.chat (v1)', v1],
] as const;
const cases = CLIENTS.flatMap(([name, call]) => COHERE.map((f) => [name, f.id, call, f] as const));

describe('cohere-ai, maxRetries: 0 (TooManyRequestsError: statusCode, parsed body)', () => {
  it('covers every Cohere fixture', () => {
    expect(COHERE.map((f) => f.id)).toEqual(
      expect.arrayContaining(['cohere.trial.monthly_limit', 'cohere.trial.per_minute']),
    );
  });

  it.each(cases)('%s: %s, no provider hint', async (_name, _id, call, f) => {
    const thrown = await thrownBy(() => call(fixtureUrl(replay, f)));
    expect(thrown).toMatchObject({ name: 'TooManyRequestsError', statusCode: 429 });
    expectFixture(thrown, f);
  });

  it('the trial key’s monthly cap is quota_exhausted and not retryable', async () => {
    const f = byId('cohere.trial.monthly_limit');
    expect(expectFixture(await thrownBy(() => v2(fixtureUrl(replay, f))), f)).toMatchObject({
      kind: 'quota_exhausted',
      provider: 'cohere',
      retryable: false,
    });
  });

  it('the trial key’s per-minute limit, same status and wording, is rate_limited', async () => {
    const f = byId('cohere.trial.per_minute');
    expect(expectFixture(await thrownBy(() => v2(fixtureUrl(replay, f))), f)).toMatchObject({
      kind: 'rate_limited',
      provider: 'cohere',
      retryable: true,
    });
  });

  it.each(CLIENTS)(
    '%s: connection refused (CohereError caused by fetch failed)',
    async (_n, call) => {
      const thrown = await thrownBy(() => call(up.closedUrl));
      expect(thrown).toMatchObject({ name: 'CohereError', statusCode: undefined });
      // Its rawResponse is the SDK's placeholder (status 0, url ""): the provider needs the hint.
      expectUpstream(thrown, {
        kind: 'upstream_error',
        provider: 'generic',
        retryable: true,
        upstreamCode: 'ECONNREFUSED',
      });
    },
  );

  it('the caller aborting is not an upstream error (CohereError caused by AbortError)', async () => {
    const controller = new AbortController();
    const pending = v2(up.hangUrl, { maxRetries: 0, abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const thrown = await thrownBy(() => pending);
    expect(thrown).toMatchObject({ name: 'CohereError' });
    expectNotUpstream(thrown);
  });
});

// The SDK's own backoff runs for real (~1 s, then ~2 s: the fixtures carry no Retry-After).
describe.concurrent('cohere-ai with its default retries (2)', () => {
  it.each(COHERE.map((f) => [f.id, f] as const))(
    '%s: retried twice, the last TooManyRequestsError reads the same',
    async (_id, f) => {
      const before = replay.hits.get(f.id) ?? 0;
      const thrown = await thrownBy(() => v2(fixtureUrl(replay, f), {}));
      expect((replay.hits.get(f.id) ?? 0) - before).toBe(3);
      expectFixture(thrown, f);
    },
  );

  it('connection refused is not retried by the SDK (it retries statuses only)', async () => {
    expectUpstream(await thrownBy(() => v2(up.closedUrl, {})), {
      kind: 'upstream_error',
      upstreamCode: 'ECONNREFUSED',
    });
  });
});

describe('cohere-ai timeouts', () => {
  it('timeoutInSeconds: a CohereError whose cause is the abort reason, the string "timeout"', async () => {
    const thrown = await thrownBy(() =>
      v2(up.hangUrl, { maxRetries: 0, timeoutInSeconds: CLIENT_TIMEOUT_MS / 1000 }),
    );
    // The SDK aborts its controller with the string "timeout", fetch rejects with that string, and
    // so its own CohereTimeoutError branch (for an AbortError) is never taken.
    expect(thrown).toMatchObject({ name: 'CohereError', message: '"timeout"', cause: 'timeout' });
    expectUpstream(thrown, { kind: 'upstream_timeout', retryable: true });
  });
});

describe('cohere-ai keeps the response headers only on rawResponse', () => {
  it('Retry-After and the request id are read from there', async () => {
    // Not a recorded fixture: the trial fixtures carry no Retry-After, so this 429 adds one (and a
    // request id) to the per-minute body, to show the real SDK's error still gives them.
    const f = byId('cohere.trial.per_minute');
    const server = createServer((req, res) => {
      req.resume();
      const r = f.respond(FIXTURE_NOW);
      res
        .writeHead(r.status, { ...r.headers, 'retry-after': '7', 'x-request-id': 'req_cohere_1' })
        .end(JSON.stringify(r.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const thrown = await thrownBy(() =>
        v2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      );
      expect(thrown).not.toHaveProperty('headers');
      expectUpstream(thrown, {
        kind: 'rate_limited',
        provider: 'cohere',
        retryAfterMs: 7000,
        upstreamRequestId: 'req_cohere_1',
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
