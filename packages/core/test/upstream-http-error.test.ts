import { Readable } from 'node:stream';
import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { Response as NodeFetchResponse } from 'node-fetch';
import { describe, expect, it } from 'vitest';
import { classify } from '../src/classify/index.js';
import { DEFAULT_MAX_BODY_BYTES, UpstreamHttpError } from '../src/upstream-http-error.js';

function streamOf(chunks: readonly (string | Error)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[i++];
      if (next === undefined) controller.close();
      else if (next instanceof Error) controller.error(next);
      else controller.enqueue(encoder.encode(next));
    },
  });
}

describe('UpstreamHttpError', () => {
  it('keeps status, headers (as Headers) and body; is classifiable; names itself', () => {
    const err = new UpstreamHttpError({
      status: 429,
      headers: { 'Retry-After': '3', 'x-multi': ['a', 'b'] },
      body: { error: { message: 'slow down' } },
      provider: 'openai',
    });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('UpstreamHttpError');
    expect(err.message).toBe('Upstream answered 429');
    expect(err.headers.get('retry-after')).toBe('3');
    expect(err.headers.get('x-multi')).toBe('a, b');
    expect(classify(err, { now: FIXTURE_NOW })).toMatchObject({
      kind: 'rate_limited',
      provider: 'openai',
      retryAfterMs: 3000,
    });
  });

  it('drops only the invalid header, not the ones after it', () => {
    const err = new UpstreamHttpError({
      status: 503,
      headers: { 'x-first': 'ok', 'x-bad': 'a\r\nb', 'retry-after': '9' },
    });
    expect(err.headers.get('x-first')).toBe('ok');
    expect(err.headers.has('x-bad')).toBe(false);
    expect(err.headers.get('retry-after')).toBe('9');
  });

  it('strips query, fragment and credentials from the URL', () => {
    const err = new UpstreamHttpError({
      status: 400,
      url: 'https://user:secret@generativelanguage.googleapis.com/v1beta/models/x:generateContent?key=AIzaSECRET#frag',
    });
    expect(err.url).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/x:generateContent',
    );
    expect(new UpstreamHttpError({ status: 400, url: '/relative/path?key=1' }).url).toBe(
      '/relative/path',
    );
  });

  it('keeps a cause for the chain', () => {
    const cause = new Error('socket');
    expect(new UpstreamHttpError({ status: 502, cause }).cause).toBe(cause);
  });
});

describe('UpstreamHttpError.fromResponse', () => {
  it('parses a JSON body and classifies like the provider response', async () => {
    const r = fixtureById('anthropic.rate_limit.input_tokens').respond(FIXTURE_NOW);
    const res = new Response(JSON.stringify(r.body), { status: r.status, headers: r.headers });
    const err = await UpstreamHttpError.fromResponse(res, { provider: 'anthropic' });
    expect(err.body).toEqual(r.body);
    expect(err.provider).toBe('anthropic');
    expect(classify(err, { now: FIXTURE_NOW })).toMatchObject({
      kind: 'rate_limited',
      dimension: 'input_tokens',
      retryAfterMs: 18_000,
    });
  });

  it('keeps a non-JSON body as text', async () => {
    const res = new Response('<html>502 Bad Gateway</html>', { status: 502 });
    const err = await UpstreamHttpError.fromResponse(res, { message: 'gateway' });
    expect(err.body).toBe('<html>502 Bad Gateway</html>');
    expect(err.message).toBe('gateway');
  });

  it('reads at most maxBodyBytes, so a huge body is cut (and then not JSON)', async () => {
    const huge = JSON.stringify({ error: { message: 'x'.repeat(200_000) } });
    const err = await UpstreamHttpError.fromResponse(new Response(huge, { status: 500 }));
    expect(typeof err.body).toBe('string');
    expect((err.body as string).length).toBe(DEFAULT_MAX_BODY_BYTES);
    const small = await UpstreamHttpError.fromResponse(new Response('abcdef', { status: 500 }), {
      maxBodyBytes: 3,
    });
    expect(small.body).toBe('abc');
  });

  it('stops reading an endless stream at the bound', async () => {
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new Uint8Array(1024).fill(0x61));
      },
    });
    const err = await UpstreamHttpError.fromResponse(new Response(endless, { status: 503 }), {
      maxBodyBytes: 4096,
    });
    expect((err.body as string).length).toBe(4096);
    expect(pulls).toBeLessThan(10);
  });

  it('falls back to the default bound for a non-finite maxBodyBytes', async () => {
    const err = await UpstreamHttpError.fromResponse(
      new Response('y'.repeat(DEFAULT_MAX_BODY_BYTES + 10), { status: 500 }),
      { maxBodyBytes: Number.POSITIVE_INFINITY },
    );
    expect((err.body as string).length).toBe(DEFAULT_MAX_BODY_BYTES);
  });

  it('a body already used gives status and headers, and an empty body', async () => {
    const res = new Response('{"error":{}}', { status: 429, headers: { 'retry-after': '2' } });
    await res.text();
    const err = await UpstreamHttpError.fromResponse(res);
    expect(err.status).toBe(429);
    expect(err.body).toBe('');
    expect(classify(err, { now: FIXTURE_NOW })?.retryAfterMs).toBe(2000);
  });

  it('a stream that errors mid-read keeps what arrived', async () => {
    const res = new Response(streamOf(['{"error":', new Error('reset')]), { status: 500 });
    const err = await UpstreamHttpError.fromResponse(res);
    expect(err.body).toBe('{"error":');
    expect(classify(err)?.kind).toBe('upstream_error');
  });

  it('a response without a body', async () => {
    const err = await UpstreamHttpError.fromResponse(new Response(null, { status: 504 }));
    expect(err.body).toBe('');
    expect(classify(err)?.kind).toBe('upstream_timeout');
  });

  it('multi-byte characters split across chunks decode intact', async () => {
    const bytes = new TextEncoder().encode('{"error":{"message":"überlastet"}}');
    const split = bytes.indexOf(0xc3) + 1;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, split));
        controller.enqueue(bytes.subarray(split));
        controller.close();
      },
    });
    const err = await UpstreamHttpError.fromResponse(new Response(stream, { status: 503 }));
    expect(err.body).toEqual({ error: { message: 'überlastet' } });
  });
});

/** A Headers implementation that is not the global class and keeps its entries private. */
class ForeignHeaders {
  readonly #map = new Map<string, string>();
  constructor(init: Record<string, string>) {
    for (const [k, v] of Object.entries(init)) this.#map.set(k.toLowerCase(), v);
  }
  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }
  forEach(fn: (value: string, key: string) => void): void {
    this.#map.forEach(fn);
  }
  entries(): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
}

const RATE_LIMIT_BODY = {
  error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' },
};

describe('UpstreamHttpError headers from any container', () => {
  it('a Map', () => {
    const err = new UpstreamHttpError({
      status: 429,
      headers: new Map([
        ['Retry-After', '7'],
        ['x-request-id', 'req_1'],
        ['x-bad', 'a\r\nb'],
      ]),
      body: RATE_LIMIT_BODY,
    });
    expect([...err.headers]).toEqual([
      ['retry-after', '7'],
      ['x-request-id', 'req_1'],
    ]);
    expect(classify(err, { now: FIXTURE_NOW })).toMatchObject({
      retryAfterMs: 7000,
      upstreamRequestId: 'req_1',
    });
  });

  it('a plain object with array and number values, in any letter case', () => {
    const err = new UpstreamHttpError({
      status: 429,
      headers: { 'X-Multi': ['a', 'b'], 'Retry-After': 7, 'x-none': undefined },
    });
    expect([...err.headers]).toEqual([
      ['retry-after', '7'],
      ['x-multi', 'a, b'],
    ]);
  });

  it('a Headers-like object that is not the global Headers (node-fetch, undici from npm, a vm realm)', () => {
    const headers = new ForeignHeaders({ 'Retry-After': '7', 'x-request-id': 'req_1' });
    expect(Object.keys(headers)).toEqual([]);
    const err = new UpstreamHttpError({ status: 429, headers, body: RATE_LIMIT_BODY });
    expect(err.headers.get('retry-after')).toBe('7');
    expect(classify(err, { now: FIXTURE_NOW })?.upstreamRequestId).toBe('req_1');
  });

  it('a hostile container leaves no headers and does not throw', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    expect([...new UpstreamHttpError({ status: 500, headers: hostile }).headers]).toEqual([]);
  });
});

describe('UpstreamHttpError.fromResponse with other fetch implementations', () => {
  it('node-fetch: headers and body (a Node stream, no getReader) are kept', async () => {
    const res = new NodeFetchResponse(JSON.stringify(RATE_LIMIT_BODY), {
      status: 429,
      headers: { 'retry-after': '7', 'x-request-id': 'req_1' },
    });
    expect(typeof (res.body as { getReader?: unknown }).getReader).toBe('undefined');
    const err = await UpstreamHttpError.fromResponse(res);
    expect(err.headers.get('retry-after')).toBe('7');
    expect(err.body).toEqual(RATE_LIMIT_BODY);
    expect(classify(err, { now: FIXTURE_NOW })).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 7000,
      upstreamRequestId: 'req_1',
    });
  });

  it('node-fetch: an endless body is read only up to maxBodyBytes', async () => {
    let pulls = 0;
    const endless = new Readable({
      read() {
        pulls++;
        this.push(Buffer.alloc(1024, 0x61));
      },
    });
    const res = new NodeFetchResponse(endless, { status: 503 });
    const err = await UpstreamHttpError.fromResponse(res, { maxBodyBytes: 4096 });
    expect(err.body).toBe('a'.repeat(4096));
    expect(pulls).toBeLessThan(10);
  });

  it('a response with only text(): bounded, and a text() that rejects gives an empty body', async () => {
    const stub = (text: () => Promise<string>) => ({
      status: 503,
      url: '',
      headers: new Map([['retry-after', '4']]),
      text,
    });
    const cut = await UpstreamHttpError.fromResponse(
      stub(async () => 'ü'.repeat(100)),
      { maxBodyBytes: 10 },
    );
    expect(cut.body).toBe('ü'.repeat(5));
    expect(cut.headers.get('retry-after')).toBe('4');
    const broken = await UpstreamHttpError.fromResponse(
      stub(async () => {
        throw new Error('socket hang up');
      }),
    );
    expect(broken.body).toBe('');
    expect(broken.status).toBe(503);
  });
});
