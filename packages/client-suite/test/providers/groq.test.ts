/**
 * groq-sdk against a loopback server replaying Groq's recorded answers (packages/fixtures). The
 * host is 127.0.0.1, so nothing is learnt from it: Groq is told by its own `x-groq-region` header.
 */
import { fixtures } from '@four29/fixtures';
import Groq from 'groq-sdk';
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

const ctorName = (value: unknown) => (value as object).constructor.name;

const GROQ = fixtures.filter((f) => f.id.startsWith('groq.'));

const chat = (baseURL: string, options: { maxRetries?: number; timeout?: number } = {}) =>
  new Groq({ apiKey: 'gsk_test', baseURL, maxRetries: 0, ...options }).chat.completions.create({
    model: 'llama-3.3-70b-versatile',
    messages: [{ role: 'user', content: 'hi' }],
  });

describe('groq-sdk, maxRetries: 0 (APIError: status, headers, error)', () => {
  it('covers every Groq fixture', () => {
    expect(GROQ.map((f) => f.id)).toEqual(
      expect.arrayContaining(['groq.rate_limit.tokens_per_day', 'groq.flex.capacity_exceeded']),
    );
  });

  it.each(GROQ.map((f) => [f.id, f] as const))('%s, no provider hint', async (_id, f) => {
    expectFixture(await thrownBy(() => chat(fixtureUrl(replay, f))), f);
  });

  it('the tokens-per-day 429 is rate_limited with its Retry-After', async () => {
    const f = GROQ.find((x) => x.id === 'groq.rate_limit.tokens_per_day');
    if (f === undefined) throw new Error('fixture missing');
    const thrown = await thrownBy(() => chat(fixtureUrl(replay, f)));
    expect(thrown).toMatchObject({ status: 429 });
    expect(ctorName(thrown)).toBe('RateLimitError');
    expect(expectFixture(thrown, f)).toMatchObject({
      kind: 'rate_limited',
      provider: 'groq',
      retryAfterMs: 180_000,
    });
  });

  it('the Flex tier’s 498 capacity_exceeded is overloaded (a status only Groq uses)', async () => {
    const f = GROQ.find((x) => x.id === 'groq.flex.capacity_exceeded');
    if (f === undefined) throw new Error('fixture missing');
    const thrown = await thrownBy(() => chat(fixtureUrl(replay, f)));
    expect(thrown).toMatchObject({ status: 498 });
    expect(expectFixture(thrown, f)).toMatchObject({
      kind: 'overloaded',
      provider: 'groq',
      retryable: true,
      upstreamStatus: 498,
    });
  });

  it('connection refused: APIConnectionError caused by fetch failed / ECONNREFUSED', async () => {
    const thrown = await thrownBy(() => chat(up.closedUrl));
    expect(ctorName(thrown)).toBe('APIConnectionError');
    // Like openai-node's, the error keeps no URL: the provider needs the handler's hint.
    expectUpstream(thrown, {
      kind: 'upstream_error',
      provider: 'generic',
      retryable: true,
      upstreamCode: 'ECONNREFUSED',
    });
  });

  it('client timeout: APIConnectionTimeoutError', async () => {
    const thrown = await thrownBy(() => chat(up.hangUrl, { timeout: CLIENT_TIMEOUT_MS }));
    expectUpstream(thrown, { kind: 'upstream_timeout', retryable: true });
  });

  it('the caller aborting is not an upstream error (APIUserAbortError)', async () => {
    const controller = new AbortController();
    const pending = new Groq({
      apiKey: 'gsk_test',
      baseURL: up.hangUrl,
      maxRetries: 0,
    }).chat.completions.create(
      { model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    expectNotUpstream(await thrownBy(() => pending));
  });
});

// groq-sdk 1.x waits the whole Retry-After before retrying (no cap): against the recorded 429 and its
// `retry-after: 180` the default retries would take six minutes, so only the cheap cases run here.
describe('groq-sdk with its default retries (2)', () => {
  it('498 is not retried by the SDK, and reads the same', async () => {
    const f = GROQ.find((x) => x.id === 'groq.flex.capacity_exceeded');
    if (f === undefined) throw new Error('fixture missing');
    const before = replay.hits.get(f.id) ?? 0;
    const thrown = await thrownBy(() =>
      new Groq({ apiKey: 'gsk_test', baseURL: fixtureUrl(replay, f) }).chat.completions.create({
        model: 'llama-3.3-70b-versatile',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect((replay.hits.get(f.id) ?? 0) - before).toBe(1);
    expectFixture(thrown, f);
  });

  it('connection refused, retried twice (~0.5 s, ~1 s backoff): still upstream_error', async () => {
    const thrown = await thrownBy(() =>
      new Groq({ apiKey: 'gsk_test', baseURL: up.closedUrl }).chat.completions.create({
        model: 'llama-3.3-70b-versatile',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect(ctorName(thrown)).toBe('APIConnectionError');
    expectUpstream(thrown, { kind: 'upstream_error', upstreamCode: 'ECONNREFUSED' });
  });
});
