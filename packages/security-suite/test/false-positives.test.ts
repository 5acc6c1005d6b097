/**
 * No false positives: the app's own errors (http-errors, Nest HttpException, Hono HTTPException,
 * its own rate limiter's 429, body-parser failures, plain bugs) reach the framework exactly as
 * they would without four29. Each request goes to the app with four29 and to the same app without
 * it, over real HTTP, and the two answers must match: status, every header but the clock's, body
 * bytes. four29 must not log any of them.
 */
import type { LogRecord } from '@four29/core';
import {
  BadRequestException,
  HttpException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { HTTPException } from 'hono/http-exception';
import createError from 'http-errors';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RawResponse, RequestInit } from '../src/net.js';
import { type RunningApp, start, TARGETS, type Target } from '../src/targets.js';

/** The app's own errors every framework sees alike. */
/**
 * Node's own Response, taken before any target serves: @hono/node-server replaces
 * `globalThis.Response` with a lightweight one that turns into a real Response on the first read of
 * its headers, which changes how its content-type is spelled. Fastify sends a thrown Response as
 * the answer, so four29 reading the value (as classifying must) would change the bytes only
 * because Hono and Fastify share this process.
 */
const NativeResponse = globalThis.Response;

const OWN_ERRORS: Record<string, () => unknown> = {
  'http-errors 404': () => createError(404),
  'http-errors 429 with Retry-After (an own limiter via ctx.throw / next(err))': () =>
    createError(429, 'Slow down', { headers: { 'Retry-After': '30' } }),
  'http-errors 500 with a detail': () => createError(500, 'db connection string leaked'),
  'http-errors 503 wrapping an upstream error as its cause': () =>
    createError(503, 'AI is busy', {
      cause: Object.assign(new Error('429'), {
        status: 429,
        headers: { 'retry-after': '2' },
        body: {},
      }),
    }),
  'a plain Error': () => new Error('boom'),
  'a TypeError from a bug': () => {
    try {
      return (null as unknown as { x: () => void }).x();
    } catch (err) {
      return err;
    }
  },
  'an Error with only a status': () => Object.assign(new Error('missing'), { status: 404 }),
  'an Error with status 429 and expose (own limiter)': () =>
    Object.assign(new Error('Too many requests'), { status: 429, statusCode: 429, expose: true }),
  'a fetch Response thrown as control flow': () => new NativeResponse('nope', { status: 429 }),
  'an AbortError (the client went away)': () =>
    new DOMException('This operation was aborted', 'AbortError'),
  "a database driver's ECONNREFUSED": () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
      address: '127.0.0.1',
      port: 5432,
    }),
  'a bare TypeError: fetch failed without a network cause': () => new TypeError('fetch failed'),
};

/** Nest's own exceptions, thrown on Nest. */
const NEST_ERRORS: Record<string, () => unknown> = {
  NotFoundException: () => new NotFoundException(),
  'HttpException 429': () => new HttpException('Slow down', 429),
  'HttpException 503 with an object body': () =>
    new HttpException({ error: 'maintenance', status: 503 }, 503),
  'ServiceUnavailableException with an upstream cause': () =>
    new ServiceUnavailableException('AI is busy', {
      cause: Object.assign(new Error('429'), {
        status: 429,
        headers: { 'retry-after': '2' },
        body: {},
      }),
    }),
  'BadRequestException with validation messages': () =>
    new BadRequestException(['prompt must be a string', 'max_tokens must be positive']),
  ThrottlerException: () => new ThrottlerException(),
};

/** Hono's own exceptions, thrown on Hono. */
const HONO_ERRORS: Record<string, () => unknown> = {
  'HTTPException 401': () => new HTTPException(401, { message: 'Unauthorized' }),
  'HTTPException 429 with its own response': () =>
    new HTTPException(429, {
      res: new Response('slow down', { status: 429, headers: { 'Retry-After': '5' } }),
    }),
};

function ownErrorsFor(target: Target): Record<string, () => unknown> {
  if (target.name.startsWith('nest')) return { ...OWN_ERRORS, ...NEST_ERRORS };
  if (target.name.startsWith('hono')) return { ...OWN_ERRORS, ...HONO_ERRORS };
  return OWN_ERRORS;
}

/** Headers whose values move with the clock between two requests a few ms apart. */
const CLOCK_HEADERS = new Set([
  'retry-after',
  'ratelimit',
  'ratelimit-reset',
  'x-ratelimit-reset',
  'etag',
]);

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function answer(res: RawResponse): Answer {
  const { date: _date, ...headers } = res.headers;
  return { status: res.status, headers, body: res.body };
}

/** Equal, except numbers in clock-driven rate-limit headers may differ by up to 2 (seconds). */
function expectSameAnswer(got: Answer, want: Answer, what: string): void {
  expect(got.status, `${what}: status`).toBe(want.status);
  expect(got.body, `${what}: body bytes`).toBe(want.body);
  expect(Object.keys(got.headers).sort(), `${what}: header names`).toEqual(
    Object.keys(want.headers).sort(),
  );
  for (const [name, value] of Object.entries(want.headers)) {
    const mine = got.headers[name] ?? '';
    if (!CLOCK_HEADERS.has(name)) {
      expect(mine, `${what}: header ${name}`).toBe(value);
      continue;
    }
    // etag hashes a body that was compared above; the rest are numbers that tick.
    if (name === 'etag') continue;
    const numbers = (s: string) => s.match(/\d+(?:\.\d+)?/g)?.map(Number) ?? [];
    expect(mine.replace(/\d+(?:\.\d+)?/g, '#'), `${what}: header ${name}`).toBe(
      value.replace(/\d+(?:\.\d+)?/g, '#'),
    );
    const a = numbers(mine);
    const b = numbers(value);
    for (const [i, n] of a.entries()) {
      expect(Math.abs(n - (b[i] ?? Number.NaN)), `${what}: header ${name}`).toBeLessThanOrEqual(2);
    }
  }
}

describe.each(TARGETS)('$name', (target) => {
  const records: LogRecord[] = [];
  const errors = ownErrorsFor(target);
  let app: RunningApp;
  let control: RunningApp;
  beforeAll(async () => {
    // Frameworks print the app's own errors (Hono's default handler, Nest's logger is off).
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const spec = {
      error: (key: string) => errors[decodeURIComponent(key)]?.(),
    };
    app = await start(target, {
      ...spec,
      four29: {
        logSuppression: false,
        logger: {
          warn: (obj, msg) => records.push({ msg, ...obj } as unknown as LogRecord),
          error: (obj, msg) => records.push({ msg, ...obj } as unknown as LogRecord),
        },
      },
    });
    control = await start(target, { ...spec, four29: undefined });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await app.close();
    await control.close();
  });

  /** Sends the same request to both apps, `times` times, interleaved so clocks and limiters agree. */
  async function compare(path: string, init: RequestInit = {}, times = 1): Promise<Answer[]> {
    const before = records.length;
    const seen: Answer[] = [];
    for (let i = 0; i < times; i++) {
      const got = answer(await app.request(path, init));
      const want = answer(await control.request(path, init));
      expectSameAnswer(got, want, `${path} #${i + 1}`);
      seen.push(got);
    }
    expect(records.slice(before), 'four29 logged an app error').toEqual([]);
    return seen;
  }

  it.each(Object.keys(errors))('%s', async (name) => {
    for (const route of ['sync', 'async']) await compare(`/${route}/${encodeURIComponent(name)}`);
  });

  it('its own rate limiter answering 429 itself', async () => {
    const [first, second] = await compare('/limited', {}, 2);
    expect(first?.status).toBe(200);
    expect(second?.status).toBe(429);
  });

  it('its own rate limiter handing its 429 to the error handling', async () => {
    const [first, second] = await compare('/limited-throw', {}, 2);
    expect(first?.status).toBe(200);
    expect(second?.status).toBe(429);
  });

  it('its JSON body parser refusing a 2 MB body', async () => {
    const [res] = await compare('/json', {
      method: 'POST',
      headers: [['content-type', 'application/json']],
      body: JSON.stringify({ prompt: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res?.status).toBe(413);
  });

  // @koa/bodyparser (co-body) throws a SyntaxError carrying `status: 400` and the raw request text
  // as `body`, which looks like an HTTP error response with a body (four29 answered it 502 until
  // core learned the shape). Hono's default answers a JSON parse failure 500, like any bug.
  it('its JSON body parser refusing invalid JSON', async () => {
    const [res] = await compare('/json', {
      method: 'POST',
      headers: [['content-type', 'application/json']],
      body: '{"prompt": ',
    });
    expect(res?.headers['content-type'] ?? '').not.toContain('problem+json');
  });

  if (target.name.startsWith('hono')) {
    // Like Nest's HttpException and http-errors, Hono's HTTPException carries the status the app
    // chose: an upstream error in its cause must not override it (core walked past it at first).
    it('HTTPException 503 wrapping an upstream error as its cause', async () => {
      errors['HTTPException 503 with an upstream cause'] = () =>
        new HTTPException(503, {
          message: 'AI is busy',
          cause: Object.assign(new Error('429'), {
            status: 429,
            headers: { 'retry-after': '2' },
            body: {},
          }),
        });
      await compare(`/sync/${encodeURIComponent('HTTPException 503 with an upstream cause')}`);
    });
  }
});
