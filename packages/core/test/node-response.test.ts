import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  createUpstreamErrorHandler,
  type HandledUpstreamError,
  UpstreamHttpError,
} from '../src/index.js';
import { finishStartedResponse, isEventStream, sendProblem } from '../src/internal.js';

const handle = createUpstreamErrorHandler({
  logger: false,
  logSuppression: false,
  now: () => Date.parse('2026-11-01T12:00:00Z'),
});

function handled(): HandledUpstreamError {
  const error = new UpstreamHttpError({
    status: 429,
    headers: { 'retry-after': '7', 'x-ratelimit-remaining-requests': '0' },
    body: {
      error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
    },
  });
  const h = handle(error, { method: 'GET', path: '/x' });
  if (h === null) throw new Error('expected the 429 to be handled');
  return h;
}

/** Serves one request with `route` on a real socket and returns what the client saw. */
async function serve(route: (res: ServerResponse) => void) {
  const server = createServer((_req, res) => route(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const body = await res.text().then(
      (text) => ({ ok: true as const, text }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    return { status: res.status, headers: res.headers, body };
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

describe('sendProblem', () => {
  it('writes the status, every header and the exact body bytes', async () => {
    const h = handled();
    const res = await serve((r) => sendProblem(r, h));
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBeNull();
    expect(res.body).toEqual({ ok: true, text: h.body });
  });
});

describe('finishStartedResponse', () => {
  it.each([
    ['setHeader', (r: ServerResponse) => r.setHeader('content-type', 'text/event-stream')],
    ['writeHead', (r: ServerResponse) => r.writeHead(200, { 'Content-Type': 'text/event-stream' })],
  ])('ends an event stream declared with %s with one error event', async (_how, declare) => {
    const h = handled();
    const res = await serve((r) => {
      declare(r);
      r.write('data: {"token":"Hel"}\n\n');
      expect(isEventStream(r)).toBe(true);
      finishStartedResponse(r, h);
    });
    expect(res.body).toEqual({ ok: true, text: `data: {"token":"Hel"}\n\n${h.sse}` });
  });

  it('aborts any other started response, so the client cannot mistake it for complete', async () => {
    const h = handled();
    const res = await serve((r) => {
      r.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      r.write('{"items":[');
      expect(isEventStream(r)).toBe(false);
      // The upstream fails later, once the client has the headers and part of the body.
      setTimeout(() => finishStartedResponse(r, h), 20);
    });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
  });

  it('does nothing to a response that already ended, and never throws', () => {
    const h = handled();
    let calls = 0;
    finishStartedResponse({ writableEnded: true, end: () => calls++ }, h);
    expect(calls).toBe(0);
    const hostile = {
      getHeader() {
        throw new Error('getter');
      },
      end() {
        throw new Error('socket gone');
      },
    };
    expect(isEventStream(hostile)).toBe(false);
    expect(() => finishStartedResponse(hostile, h)).not.toThrow();
    expect(() => finishStartedResponse({}, h)).not.toThrow();
  });
});

describe('handler context', () => {
  it('logs the status the client really got only when the response had started', () => {
    const error = new UpstreamHttpError({ status: 503, body: 'down' });
    const fresh = handle(error, { responseStarted: false, downstreamStatus: 200 });
    const started = handle(error, { responseStarted: true, downstreamStatus: 200 });
    expect(fresh?.log.downstream).toEqual({ status: fresh?.status });
    expect(started?.log.downstream).toEqual({ status: 200 });
  });

  it('takes the first of a repeated x-request-id header', () => {
    const error = new UpstreamHttpError({ status: 503, body: 'down' });
    const h = handle(error, { requestId: ['req-1', 'req-2'] });
    expect(h?.log.http?.requestId).toBe('req-1');
  });
});
