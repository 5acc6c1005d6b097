import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { UpstreamFixture } from '@four29/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, SCENARIO_IDS, startMockUpstream } from '../src/index.js';
import { chatBody } from './helpers.js';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock.close();
});

const send = (
  path: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
) =>
  fetch(`${mock.url}${path}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  });

/** Resolves true if `promise` settles before a generous bound: close() must not hang. */
function settlesSoon(promise: Promise<unknown>, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

describe('bad requests get a clear 4xx in the provider shape', () => {
  it.each([
    ['/v1/chat/completions', { error: { type: 'invalid_request_error', param: null, code: null } }],
    ['/v1/messages', { type: 'error', error: { type: 'invalid_request_error' } }],
    [
      '/v1beta/models/gemini-2.5-flash:generateContent',
      { error: { code: 400, status: 'INVALID_ARGUMENT' } },
    ],
    ['/api/v1/chat/completions', { error: { code: 400 } }],
  ])('invalid JSON on %s', async (path, shape) => {
    const res = await send(path, { body: '{"model": "x", "messages": [' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject(shape);
    expect(JSON.stringify(body)).toContain('mock-upstream: request body is not valid JSON');
  });

  it.each([['null'], ['[]'], ['"text"'], ['42'], ['']])('a body of %j', async (raw) => {
    const res = await send('/v1/chat/completions', { body: raw });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /^mock-upstream: /,
    );
  });

  it('an unknown path answers 404 in OpenAI shape', async () => {
    const res = await send('/v1/embeddingz', { body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'not_found' },
    });
  });

  it('an unknown path with anthropic-version answers in Anthropic shape', async () => {
    const res = await send('/v1/complete', {
      body: '{}',
      headers: { 'anthropic-version': '2023-06-01' },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('an unknown scenario answers 400 and lists the known ones', async () => {
    const res = await send('/scenario/rate_limitd/v1/chat/completions', {
      body: JSON.stringify(chatBody),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string } };
    expect(error.message).toContain("unknown scenario 'rate_limitd'");
    for (const id of SCENARIO_IDS) expect(error.message).toContain(id);
    expect(mock.requests.at(-1)).toMatchObject({ scenario: null, status: 400 });
  });

  it('an unknown scenario header wins over the path and is refused', async () => {
    const res = await send('/scenario/ok/v1/messages', {
      body: '{}',
      headers: { 'x-mock-scenario': 'nope' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
  });

  it('GET on an API path is a 405 with allow: POST', async () => {
    const res = await send('/v1/chat/completions', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('stream_error without stream: true is refused rather than faked', async () => {
    const res = await send('/v1/chat/completions', {
      body: JSON.stringify(chatBody),
      headers: { 'x-mock-scenario': 'stream_error' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'needs a streaming request',
    );
  });

  it('malformed percent-encoding in the path does not crash', async () => {
    const res = await send('/scenario/%E0%A4%A/v1/chat/completions', {
      body: JSON.stringify(chatBody),
    });
    expect(res.status).toBe(400);
  });

  it('a garbage HTTP request gets a 400 and the server keeps serving', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(mock.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    const res = await send('/v1/chat/completions', { body: JSON.stringify(chatBody) });
    expect(res.status).toBe(200);
  });

  it('a body over 32 MiB is a 413 the client can read, not a reset', async () => {
    const res = await send('/v1/messages', { body: `"${'a'.repeat(33 * 1024 * 1024)}"` });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
  });

  it('GET / describes the endpoints and scenarios', async () => {
    const res = await fetch(`${mock.url}/`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { scenarios: Record<string, string> };
    expect(Object.keys(body.scenarios)).toEqual(SCENARIO_IDS);
  });
});

describe('fixtures that misbehave', () => {
  const throwing: UpstreamFixture = {
    id: 'test.throws',
    provider: 'openai',
    scenario: 'server_error',
    source: 'test',
    respond: () => {
      throw new Error('broken fixture');
    },
    expected: { kind: 'upstream_error', provider: 'openai', retryable: true },
  };

  it('a throwing fixture or a missing one is a 501 that says so, not a crash', async () => {
    const m = await startMockUpstream({ fixtures: [throwing] });
    try {
      const broken = await fetch(`${m.url}/scenario/server_error/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify(chatBody),
      });
      expect(broken.status).toBe(501);
      const missing = await fetch(`${m.url}/scenario/auth/v1/messages`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'c',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'x' }],
        }),
      });
      expect(missing.status).toBe(501);
      expect(await missing.json()).toMatchObject({
        type: 'error',
        error: { message: 'mock-upstream: no fixture for scenario auth on anthropic' },
      });
      const ok = await fetch(`${m.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify(chatBody),
      });
      expect(ok.status).toBe(200);
    } finally {
      await m.close();
    }
  });

  it('a throwing log callback does not break requests', async () => {
    const m = await startMockUpstream({
      log: () => {
        throw new Error('log sink down');
      },
    });
    try {
      const res = await fetch(`${m.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify(chatBody),
      });
      expect(res.status).toBe(200);
    } finally {
      await m.close();
    }
  });
});

describe('lifecycle', () => {
  it('close() returns while a timeout request is still hanging, and the client sees the drop', async () => {
    const m = await startMockUpstream();
    // No client timeout: only close() can end this request.
    const hanging = fetch(`${m.url}/scenario/timeout/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(chatBody),
    });
    const outcome = hanging.then(
      () => 'answered',
      () => 'dropped',
    );
    while (m.requests.length === 0) await new Promise((r) => setImmediate(r));
    expect(m.requests[0]).toMatchObject({ scenario: 'timeout', status: null });
    expect(await settlesSoon(m.close())).toBe(true);
    expect(await outcome).toBe('dropped');
  });

  it('close() also ends a pending latency wait, idle keep-alive sockets, and is idempotent', async () => {
    const m = await startMockUpstream({ latencyMs: 60_000 });
    const req = httpRequest(`${m.url}/v1/chat/completions`, { method: 'POST' });
    const dropped = new Promise<void>((resolve) => req.on('error', () => resolve()));
    req.end(JSON.stringify(chatBody));
    await new Promise((resolve) => req.on('finish', resolve));
    // Give the server a moment to read the body and start its 60 s wait.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const first = m.close();
    expect(m.close()).toBe(first);
    expect(await settlesSoon(first)).toBe(true);
    expect(await settlesSoon(dropped)).toBe(true);
  });

  it('rejects bad options and a taken port', async () => {
    await expect(startMockUpstream({ port: -1 })).rejects.toThrow(/port/);
    await expect(startMockUpstream({ latencyMs: Number.NaN })).rejects.toThrow(/latencyMs/);
    await expect(startMockUpstream({ port: mock.port })).rejects.toThrow(/EADDRINUSE/);
  });
});
