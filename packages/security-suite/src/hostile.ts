/**
 * The named catalogue of hostile inputs. Each case builds a fresh value per call and says what
 * four29 must do with it: answer with a problem (it is an upstream error, however broken) or hand
 * it over to the framework untouched (it is not one, or nothing can be read from it).
 */
import { UpstreamHttpError } from '@four29/core';
import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import {
  causeChain,
  POLLUTING_JSON,
  revokedProxy,
  throwingProxy,
  unprintable,
} from './arbitraries.js';

export interface HostileCase {
  readonly name: string;
  readonly make: () => unknown;
  readonly expect: 'problem' | 'declined';
}

const rateLimited = () => fixtureById('openai.rate_limit.tokens').respond(FIXTURE_NOW);

/**
 * An upstream 429 as a custom fetch wrapper throws it (an Error carrying status, headers and body),
 * with `parts` replacing or adding members. An Error, so that Hono's onError sees it too.
 */
function upstream429(parts: Record<string, unknown> = {}): Error {
  const r = rateLimited();
  const err = new Error('Upstream answered 429');
  for (const [key, value] of Object.entries({
    status: r.status,
    headers: { ...r.headers },
    body: r.body,
    ...parts,
  })) {
    Object.defineProperty(err, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  for (const key of Object.getOwnPropertySymbols(parts)) {
    Object.defineProperty(err, key, { value: parts[key as unknown as string], enumerable: true });
  }
  return err;
}

function asError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error('upstream failure'), fields);
}

function throwingGetters(target: object, keys: readonly string[]): object {
  // `stack` first: V8 formats an Error's lazy stack when it is redefined, which reads `name`.
  const ordered = [...keys].sort((a, b) => Number(b === 'stack') - Number(a === 'stack'));
  for (const key of ordered) {
    Object.defineProperty(target, key, {
      configurable: true,
      enumerable: true,
      get() {
        throw new Error(`getter ${key}`);
      },
    });
  }
  return target;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const EVERY_FIELD = [
  'status',
  'statusCode',
  'headers',
  'body',
  'error',
  'response',
  'data',
  'cause',
  'name',
  'message',
  'code',
  'stack',
  'constructor',
  '$metadata',
  'isAxiosError',
];

export const HOSTILE_CASES: readonly HostileCase[] = [
  {
    name: 'an Error whose every field core reads is a getter that throws',
    make: () => throwingGetters(new Error('x'), EVERY_FIELD),
    expect: 'declined',
  },
  {
    name: 'an upstream 429 whose headers and cause getters throw',
    make: () =>
      throwingGetters(upstream429({ headers: undefined }), ['headers', 'cause', 'response']),
    expect: 'problem',
  },
  {
    name: 'a Proxy that throws on every trap',
    make: throwingProxy,
    expect: 'declined',
  },
  {
    name: 'an Error whose cause is a Proxy that throws on every trap',
    make: () => new Error('wrapper', { cause: throwingProxy() }),
    expect: 'declined',
  },
  {
    name: 'a revoked Proxy',
    make: revokedProxy,
    expect: 'declined',
  },
  {
    name: 'an upstream 429 whose headers and body are revoked Proxies',
    make: () =>
      asError({
        status: 429,
        headers: revokedProxy(),
        body: revokedProxy(),
        response: { headers: revokedProxy() },
      }),
    expect: 'problem',
  },
  {
    name: 'a circular cause chain',
    make: () => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      Object.defineProperty(a, 'cause', { value: b });
      return a;
    },
    expect: 'declined',
  },
  {
    name: 'an upstream 429 with a circular body and headers',
    make: () => {
      const body: Record<string, unknown> = {
        error: { code: 'rate_limit_exceeded', message: 'm' },
      };
      body.self = body;
      (body.error as Record<string, unknown>).parent = body;
      const headers: Record<string, unknown> = { 'retry-after': '3' };
      headers.self = headers;
      const err = Object.assign(new Error('429'), { status: 429, headers, body });
      Object.defineProperty(err, 'cause', { value: err });
      return err;
    },
    expect: 'problem',
  },
  {
    name: 'a cause chain 10,000 deep with the upstream error at the bottom',
    make: () => causeChain(upstream429(), 10_000),
    expect: 'declined',
  },
  {
    name: 'an upstream error three links down whose own cause chain is 10,000 deep',
    make: () => causeChain(upstream429({ cause: causeChain(new Error('root'), 10_000) }), 3),
    expect: 'problem',
  },
  {
    name: 'a 10 MB body string and a 10 MB message',
    make: () =>
      Object.assign(new Error('m'.repeat(10 * 1024 * 1024)), {
        status: 429,
        headers: { 'retry-after': '7' },
        body: `{"error":{"code":"rate_limit_exceeded","message":"${'x'.repeat(10 * 1024 * 1024)}"}}`,
      }),
    expect: 'problem',
  },
  {
    name: 'headers with CR/LF in names and values',
    make: () =>
      upstream429({
        headers: {
          'retry-after': '5\r\nSet-Cookie: pwned=1',
          'x-request-id': 'req_1\r\nX-Injected: yes',
          'x-evil\r\nX-Injected': 'yes',
          'retry-after-ms': '100\n\nHTTP/1.1 200 OK',
        },
      }),
    expect: 'problem',
  },
  {
    name: '__proto__, constructor and prototype keys in JSON bodies (text and parsed)',
    make: () =>
      causeChain(
        {
          status: 429,
          headers: JSON.parse('{"__proto__":{"retry-after":"9"},"retry-after":"2"}') as object,
          body: JSON.parse(POLLUTING_JSON[0]) as object,
          cause: { status: 429, headers: {}, body: POLLUTING_JSON[1] },
          response: { data: POLLUTING_JSON[2] },
        },
        1,
      ),
    expect: 'problem',
  },
  {
    name: 'Retry-After: 99999999999 and absurd reset headers',
    make: () =>
      upstream429({
        headers: {
          'retry-after': '99999999999',
          'retry-after-ms': '1e400',
          'x-ratelimit-reset-requests': '99999999999s',
          'x-ratelimit-reset-tokens': '9999999h',
          'anthropic-ratelimit-requests-reset': '9999-12-31T23:59:59Z',
        },
      }),
    expect: 'problem',
  },
  {
    name: 'negative Retry-After and reset dates in the past',
    make: () =>
      upstream429({
        headers: {
          'retry-after': '-30',
          'retry-after-ms': '-5000',
          'x-ratelimit-reset': '1',
          'anthropic-ratelimit-tokens-reset': '1970-01-01T00:00:00Z',
          date: 'Thu, 01 Jan 1970 00:00:00 GMT',
        },
        body: { error: { code: 'rate_limit_exceeded', message: 'Please try again in -20s.' } },
      }),
    expect: 'problem',
  },
  {
    name: 'an HTTP-date Retry-After in the past',
    make: () => upstream429({ headers: { 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' } }),
    expect: 'problem',
  },
  {
    name: 'NaN and Infinity in the status',
    make: () => upstream429({ status: Number.NaN, statusCode: Number.POSITIVE_INFINITY }),
    expect: 'declined',
  },
  {
    name: 'NaN and Infinity in headers and body numbers',
    make: () =>
      upstream429({
        headers: {
          'retry-after': 'NaN',
          'retry-after-ms': 'Infinity',
          'x-ratelimit-remaining-tokens': '-Infinity',
        },
        body: {
          error: { code: 'rate_limit_exceeded', message: 'Limit NaN, Used Infinity' },
          retry: Number.NaN,
        },
      }),
    expect: 'problem',
  },
  {
    name: 'a thrown symbol',
    make: () => Symbol('thrown'),
    expect: 'declined',
  },
  {
    name: 'symbols as keys and values of an upstream 429',
    make: () =>
      upstream429({
        [Symbol('key')]: 'x',
        headers: {
          'retry-after': Symbol('5'),
          'x-request-id': Symbol.iterator,
          [Symbol('h')]: '1',
        },
        body: { error: { message: Symbol('m'), code: Symbol('c') } },
        code: Symbol('code'),
      }),
    expect: 'problem',
  },
  {
    name: 'a thrown BigInt',
    make: () => 10n ** 40n,
    expect: 'declined',
  },
  {
    name: 'BigInt status',
    make: () => upstream429({ status: 429n }),
    expect: 'declined',
  },
  {
    name: 'BigInt inside headers and body of an upstream 429',
    make: () =>
      upstream429({
        headers: { 'retry-after': 5n, 'x-ratelimit-limit-tokens': 10n ** 30n },
        body: { error: { code: 'rate_limit_exceeded', limit: 10n ** 30n, message: 'm' } },
      }),
    expect: 'problem',
  },
  {
    name: 'a deep-frozen upstream error',
    make: () => deepFreeze(upstream429()),
    expect: 'problem',
  },
  {
    name: 'a frozen UpstreamHttpError',
    make: () => {
      const r = rateLimited();
      return Object.freeze(
        new UpstreamHttpError({ status: r.status, headers: r.headers, body: r.body }),
      );
    },
    expect: 'problem',
  },
  {
    name: 'a thrown object whose toString and Symbol.toPrimitive throw',
    make: unprintable,
    expect: 'declined',
  },
  {
    name: 'an upstream 429 whose status, header values, message and body refuse conversion',
    make: () =>
      upstream429({
        headers: { 'retry-after': unprintable(), 'x-request-id': unprintable() },
        body: { error: { message: unprintable(), code: unprintable() } },
        message: unprintable(),
        name: unprintable(),
        statusCode: unprintable(),
      }),
    expect: 'problem',
  },
  {
    name: 'an Error whose message, name and stack getters throw',
    make: () => throwingGetters(new Error('x'), ['stack', 'message', 'name']),
    expect: 'declined',
  },
  {
    name: 'an upstream error whose message, name and stack getters throw',
    make: () => {
      const r = rateLimited();
      const err = new UpstreamHttpError({ status: r.status, headers: r.headers, body: r.body });
      return throwingGetters(err, ['stack', 'message', 'name']);
    },
    expect: 'problem',
  },
  {
    name: 'a response with 100,000 headers',
    make: () => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < 100_000; i++) headers[`x-filler-${i}`] = 'v';
      headers['retry-after'] = '4';
      return asError({ status: 503, headers, body: 'overloaded' });
    },
    expect: 'problem',
  },
  {
    name: 'a JSON body nested 20,000 levels deep, as text and parsed',
    make: () =>
      asError({
        status: 429,
        headers: {},
        body: `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
        cause: {
          status: 429,
          headers: {},
          body: JSON.parse(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`),
        },
      }),
    expect: 'problem',
  },
  { name: 'a thrown null', make: () => null, expect: 'declined' },
  { name: 'a thrown undefined', make: () => undefined, expect: 'declined' },
  { name: 'a thrown number 429', make: () => 429, expect: 'declined' },
  { name: 'a thrown string', make: () => '429 Too Many Requests', expect: 'declined' },
  {
    name: 'a thrown function carrying a status',
    make: () => Object.assign(() => 429, { status: 429 }),
    expect: 'declined',
  },
  {
    name: 'a thrown pending Promise',
    make: () => new Promise(() => {}),
    expect: 'declined',
  },
];
