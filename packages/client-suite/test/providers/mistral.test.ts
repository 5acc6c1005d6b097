/**
 * @mistralai/mistralai against a loopback server replaying Mistral's recorded answers
 * (packages/fixtures). The host is 127.0.0.1, so Mistral is told by what its answers carry: the
 * `x-ratelimit-*-minute` headers, or the top-level `{"object": "error", …}` body.
 */
import { FIXTURE_NOW, fixtures } from '@four29/fixtures';
import { Mistral } from '@mistralai/mistralai';
import type { RetryConfig } from '@mistralai/mistralai/lib/retries.js';
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

const MISTRAL = fixtures.filter((f) => f.id.startsWith('mistral.'));
const byId = (id: string) => {
  const f = MISTRAL.find((x) => x.id === id);
  if (f === undefined) throw new Error(`fixture missing: ${id}`);
  return f;
};

/** The SDK's default is `{ strategy: 'none' }`; this is a short real backoff for the retry cases. */
const FAST_BACKOFF: RetryConfig = {
  strategy: 'backoff',
  backoff: { initialInterval: 10, maxInterval: 20, exponent: 1.1, maxElapsedTime: 150 },
  retryConnectionErrors: true,
};

const chat = (
  serverURL: string,
  options: { retryConfig?: RetryConfig; timeoutMs?: number; signal?: AbortSignal } = {},
) =>
  new Mistral({
    apiKey: 'test',
    serverURL,
    ...(options.retryConfig !== undefined ? { retryConfig: options.retryConfig } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  }).chat.complete(
    { model: 'mistral-small-latest', messages: [{ role: 'user', content: 'hi' }] },
    options.signal !== undefined ? { fetchOptions: { signal: options.signal } } : undefined,
  );

describe('@mistralai/mistralai, default (no retries): SDKError with statusCode, headers, body text', () => {
  it('covers every Mistral fixture', () => {
    expect(MISTRAL.map((f) => f.id)).toEqual(
      expect.arrayContaining([
        'mistral.rate_limit.requests',
        'mistral.overloaded.service_tier_capacity',
      ]),
    );
  });

  it.each(MISTRAL.map((f) => [f.id, f] as const))('%s, no provider hint', async (_id, f) => {
    const thrown = await thrownBy(() => chat(fixtureUrl(replay, f)));
    expect(thrown).toMatchObject({ name: 'SDKError', statusCode: f.respond(FIXTURE_NOW).status });
    expect(typeof (thrown as { body: unknown }).body).toBe('string');
    expectFixture(thrown, f);
  });

  it('the 429 rate limit: requests per minute, limit and remaining from its headers', async () => {
    const f = byId('mistral.rate_limit.requests');
    expect(expectFixture(await thrownBy(() => chat(fixtureUrl(replay, f))), f)).toMatchObject({
      kind: 'rate_limited',
      provider: 'mistral',
      retryable: true,
      dimension: 'requests',
      window: 'minute',
      limit: 720,
      remaining: 0,
      upstreamCode: '1300',
    });
  });

  it('the 429 “service tier capacity exceeded” is overloaded, told by the body alone', async () => {
    const f = byId('mistral.overloaded.service_tier_capacity');
    expect(expectFixture(await thrownBy(() => chat(fixtureUrl(replay, f))), f)).toMatchObject({
      kind: 'overloaded',
      provider: 'mistral',
      retryable: true,
    });
  });

  it('connection refused: ConnectionError caused by fetch failed / ECONNREFUSED', async () => {
    const thrown = await thrownBy(() => chat(up.closedUrl));
    expect(thrown).toMatchObject({ name: 'ConnectionError' });
    // It keeps no URL (only "Unable to make request: TypeError: fetch failed"): the provider
    // needs the handler's hint.
    expectUpstream(thrown, {
      kind: 'upstream_error',
      provider: 'generic',
      retryable: true,
      upstreamCode: 'ECONNREFUSED',
    });
  });

  it('timeoutMs: RequestTimeoutError caused by the TimeoutError DOMException', async () => {
    const thrown = await thrownBy(() => chat(up.hangUrl, { timeoutMs: CLIENT_TIMEOUT_MS }));
    expect(thrown).toMatchObject({ name: 'RequestTimeoutError' });
    expectUpstream(thrown, { kind: 'upstream_timeout', retryable: true });
  });

  it('the caller aborting is not an upstream error (RequestAbortedError caused by AbortError)', async () => {
    const controller = new AbortController();
    const pending = chat(up.hangUrl, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const thrown = await thrownBy(() => pending);
    expect(thrown).toMatchObject({ name: 'RequestAbortedError' });
    expectNotUpstream(thrown);
  });
});

describe('@mistralai/mistralai with a bounded backoff retryConfig', () => {
  it('429s retried until maxElapsedTime: the last SDKError reads the same', async () => {
    for (const f of MISTRAL) {
      const before = replay.hits.get(f.id) ?? 0;
      const thrown = await thrownBy(() =>
        chat(fixtureUrl(replay, f), { retryConfig: FAST_BACKOFF }),
      );
      expect((replay.hits.get(f.id) ?? 0) - before).toBeGreaterThan(1);
      expectFixture(thrown, f);
    }
  });

  it('connection refused, retried (retryConnectionErrors): still upstream_error', async () => {
    const thrown = await thrownBy(() => chat(up.closedUrl, { retryConfig: FAST_BACKOFF }));
    expectUpstream(thrown, { kind: 'upstream_error', upstreamCode: 'ECONNREFUSED' });
  });
});
