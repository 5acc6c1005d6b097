import ky, { type HTTPError } from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANTHROPIC_BODY,
  ANTHROPIC_HEADERS,
  CLIENT_TIMEOUT_MS,
  expectNotUpstream,
  expectUpstream,
  OPENAI_BODY,
  OPENAI_HEADERS,
  scenarioUrl,
  startUpstreams,
  thrownBy,
  type Upstreams,
} from '../../src/index.js';

let up: Upstreams;
beforeAll(async () => {
  up = await startUpstreams();
});
afterAll(() => up.close());

const post = (url: string, extra: Parameters<typeof ky.post>[1] = {}) =>
  ky.post(`${url}/v1/chat/completions`, {
    body: OPENAI_BODY,
    headers: OPENAI_HEADERS,
    retry: 0,
    ...extra,
  });

describe('ky', () => {
  it('HTTPError 429 with retry-after (Anthropic): read from the response headers', async () => {
    const thrown = await thrownBy(() =>
      ky.post(`${scenarioUrl(up, 'rate_limited_requests')}/v1/messages`, {
        body: ANTHROPIC_BODY,
        headers: ANTHROPIC_HEADERS,
        retry: 0,
      }),
    );
    const { handled } = expectUpstream(thrown, {
      kind: 'rate_limited',
      provider: 'anthropic',
      upstreamStatus: 429,
      retryAfterMs: 7000,
    });
    expect(handled.headers['retry-after']).toBe('7');
  });

  it('HTTPError insufficient_quota: ky leaves the body unread, so only a hook can tell quota apart', async () => {
    // Without the body a 429 is all there is: a rate limit. ky 1 never reads an error body.
    const bare = await thrownBy(() => post(scenarioUrl(up, 'insufficient_quota')));
    expectUpstream(bare, { kind: 'rate_limited', provider: 'openai', upstreamStatus: 429 });
    // The documented fix (docs/clients.md): read it in `beforeError` onto `error.data`.
    const read = await thrownBy(() =>
      post(scenarioUrl(up, 'insufficient_quota'), {
        hooks: {
          beforeError: [
            async (error: HTTPError) => {
              Object.assign(error, { data: await error.response.clone().json() });
              return error;
            },
          ],
        },
      }),
    );
    expectUpstream(read, {
      kind: 'quota_exhausted',
      provider: 'openai',
      retryable: false,
      upstreamCode: 'insufficient_quota',
    });
  });

  it('TimeoutError against a server that never answers', async () => {
    const thrown = await thrownBy(() => post(up.hangUrl, { timeout: CLIENT_TIMEOUT_MS }));
    expect(thrown).toMatchObject({ name: 'TimeoutError' });
    expectUpstream(thrown, { kind: 'upstream_timeout', retryable: true });
  });

  it('connection refused (fetch failed, ECONNREFUSED cause)', async () => {
    const thrown = await thrownBy(() => post(up.closedUrl));
    expectUpstream(thrown, {
      kind: 'upstream_error',
      retryable: true,
      upstreamCode: 'ECONNREFUSED',
    });
  });

  it('the caller aborting is not an upstream error', async () => {
    const controller = new AbortController();
    const pending = post(up.hangUrl, { signal: controller.signal, timeout: false });
    setTimeout(() => controller.abort(), 20);
    expectNotUpstream(await thrownBy(() => pending));
  });
});
