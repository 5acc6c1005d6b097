/**
 * fast-check arbitraries for what a server's error path can be handed: anything at all, and above
 * all things that look like upstream errors but are broken, hostile or absurd in every part a
 * classifier reads (status, headers and their container, body, message, name, cause chain).
 *
 * Every arbitrary yields a `Lazy`: a recipe that builds a fresh value each time it is called.
 * Hostile objects (Proxies whose traps throw, revoked Proxies) cannot live inside fast-check's own
 * bookkeeping, which probes generated values; and a fresh copy per call lets a test hand the very
 * same input to an app with four29 and to the control app without it, neither seeing the other's
 * mutations (freezing, for one).
 */
import { validateHeaderValue } from 'node:http';
import { UpstreamHttpError } from '@four29/core';
import { FIXTURE_NOW, fixtures } from '@four29/fixtures';
import fc from 'fast-check';

export interface Lazy<T = unknown> {
  (): T;
  [fc.toStringMethod](): string;
}

const LAZY = Symbol('four29.suite.lazy');

export function lazy<T>(label: string, make: () => T): Lazy<T> {
  const out = (() => make()) as Lazy<T>;
  out[fc.toStringMethod] = () => label;
  Object.defineProperty(out, LAZY, { value: true });
  return out;
}

function isLazy(value: unknown): value is Lazy {
  return (
    typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[LAZY] === true
  );
}

/**
 * Builds a generated structure: every recipe inside plain objects and arrays (as fc.record and
 * fc.array make them) is replaced by a fresh value of its own. Other functions stay functions.
 */
export function realize(value: unknown): unknown {
  if (isLazy(value)) return value();
  if (Array.isArray(value)) return value.map(realize);
  if (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: realize(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

function copy<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    // Symbols and functions do not clone; primitives and such leaves are safe to share anyway.
    return value;
  }
}

/**
 * Plain data as a recipe: a fresh deep copy per call, or the generated value itself when copying
 * would change what it is (a null-prototype object comes out of structuredClone with a prototype).
 */
function data<T>(arb: fc.Arbitrary<T>, clone = true): fc.Arbitrary<Lazy<T>> {
  return arb.map((v) => lazy(fc.stringify(v), () => (clone ? copy(v) : v)));
}

const recorded = fixtures.map((f) => f.respond(FIXTURE_NOW));

/** An object whose every conversion to a primitive throws. */
export function unprintable(): object {
  const fail = (): never => {
    throw new Error('conversion refused');
  };
  return { toString: fail, valueOf: fail, toJSON: fail, [Symbol.toPrimitive]: fail };
}

/** A Proxy whose every trap throws. */
export function throwingProxy(): object {
  const fail = (): never => {
    throw new Error('trap');
  };
  return new Proxy(
    {},
    {
      get: fail,
      set: fail,
      has: fail,
      ownKeys: fail,
      getOwnPropertyDescriptor: fail,
      getPrototypeOf: fail,
      setPrototypeOf: fail,
      defineProperty: fail,
      deleteProperty: fail,
      isExtensible: fail,
      preventExtensions: fail,
      apply: fail,
      construct: fail,
    },
  );
}

export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** Ill-typed leaves that are still inert: wrong types, non-finite numbers, BigInt, symbols. */
export const oddLeaf: fc.Arbitrary<Lazy> = fc.oneof(
  data(
    fc.constantFrom<unknown>(
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      2 ** 53 + 1,
      -1e308,
      10n ** 30n,
      -1n,
      Symbol('leaf'),
      Symbol.iterator,
      null,
      undefined,
      true,
    ),
  ),
  fc.constantFrom(
    lazy('frozen', () => Object.freeze({ nested: Object.freeze([1, 2, 3]) })),
    lazy('function', () => () => 'a function'),
  ),
);

/** Leaves no classifier should ever trust: the inert odd ones, and ones that throw when touched. */
export const hostileLeaf: fc.Arbitrary<Lazy> = fc.oneof(
  { weight: 2, arbitrary: oddLeaf },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      lazy('unprintable()', unprintable),
      lazy('throwingProxy()', throwingProxy),
      lazy('revokedProxy()', revokedProxy),
    ),
  },
);

export const statusLike: fc.Arbitrary<Lazy> = fc.oneof(
  {
    weight: 6,
    arbitrary: data(
      fc.constantFrom(400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529),
    ),
  },
  { weight: 2, arbitrary: data(fc.integer({ min: -1000, max: 2000 })) },
  { weight: 1, arbitrary: data(fc.double()) },
  {
    weight: 1,
    arbitrary: data(
      fc.constantFrom<unknown>('429', ' 503 ', '4e2', '0x1AD', '', 'NaN', '429\r\n', 429n),
    ),
  },
  { weight: 1, arbitrary: hostileLeaf },
);

const HEADER_NAMES = [
  'retry-after',
  'Retry-After',
  'retry-after-ms',
  'x-request-id',
  'request-id',
  'apim-request-id',
  'x-amzn-requestid',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset',
  'anthropic-ratelimit-input-tokens-reset',
  'anthropic-ratelimit-requests-remaining',
  'ratelimit',
  'ratelimit-policy',
  'ratelimit-reset',
  'x-amzn-errortype',
  'content-type',
  'set-cookie',
  'x-injected\r\nset-cookie',
  '__proto__',
  'constructor',
  'prototype',
  '',
] as const;

export const headerName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HEADER_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
);

export const headerValue: fc.Arbitrary<Lazy> = fc.oneof(
  { weight: 3, arbitrary: data(fc.string({ maxLength: 40 })) },
  {
    weight: 3,
    arbitrary: data(
      fc.constantFrom(
        '0',
        '1',
        '-5',
        '99999999999',
        '1e400',
        'NaN',
        'Infinity',
        '-Infinity',
        '6m0s',
        '1.146s',
        '2m59.56s',
        '12ms',
        'Thu, 01 Jan 1970 00:00:00 GMT',
        'Sun, 01 Nov 2026 12:00:00 GMT',
        'Fri, 31 Dec 9999 23:59:59 GMT',
        '2026-11-01T11:00:00Z',
        '"burst";r=0;t=30',
        'limit=100, remaining=0, reset=99999999999',
        '5\r\nSet-Cookie: pwned=1',
        'req_1\r\nX-Injected: yes',
        '\u0000\u001b[31m',
      ),
    ),
  },
  { weight: 1, arbitrary: data(fc.integer().map(String)) },
  { weight: 1, arbitrary: data(fc.double().map(String)) },
  { weight: 1, arbitrary: data(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })) },
  {
    weight: 1,
    arbitrary: fc.nat({ max: 100_000 }).map((n) => lazy(`'9' × ${n}`, () => '9'.repeat(n))),
  },
  { weight: 1, arbitrary: hostileLeaf },
);

/** Own properties defined one by one, so `__proto__` becomes a real key instead of a prototype. */
function withKeys(entries: readonly (readonly [string, unknown])[], target: object): object {
  for (const [key, value] of entries) {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return target;
}

const CONTAINERS = [
  'object',
  'Headers',
  'Map',
  'pairs',
  'null-prototype',
  'frozen',
  'getter-throws',
  'iterator-throws',
  'proxy-throws',
  'revoked',
] as const;

function container(
  entries: readonly (readonly [string, unknown])[],
  kind: (typeof CONTAINERS)[number],
): unknown {
  switch (kind) {
    case 'Headers': {
      const headers = new Headers();
      for (const [k, v] of entries) {
        try {
          headers.append(k, String(v));
        } catch {
          // Names or values Headers refuses (CR/LF, empty, unprintable) are simply absent.
        }
      }
      return headers;
    }
    case 'Map':
      return new Map(entries);
    case 'pairs':
      return entries.map(([k, v]) => [k, v]);
    case 'null-prototype':
      return withKeys(entries, Object.create(null) as object);
    case 'frozen':
      return Object.freeze(withKeys(entries, {}));
    case 'getter-throws': {
      const out = withKeys(entries, {});
      Object.defineProperty(out, 'retry-after', {
        enumerable: true,
        get() {
          throw new Error('getter');
        },
      });
      return out;
    }
    case 'iterator-throws':
      return {
        entries() {
          throw new Error('entries');
        },
        [Symbol.iterator]() {
          throw new Error('iterator');
        },
        get(): never {
          throw new Error('get');
        },
      };
    case 'proxy-throws':
      return throwingProxy();
    case 'revoked':
      return revokedProxy();
    default:
      return withKeys(entries, {});
  }
}

export const headers: fc.Arbitrary<Lazy> = fc
  .tuple(
    fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 }),
    fc.constantFrom(...CONTAINERS),
  )
  .map(([entries, kind]) =>
    lazy(
      `${kind}(${entries.map(([k, v]) => `${JSON.stringify(k)}: ${fc.stringify(v)}`).join(', ')})`,
      () =>
        container(
          entries.map(([k, v]) => [k, v()] as const),
          kind,
        ),
    ),
  );

const providerMessage: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc
    .tuple(fc.nat(), fc.nat(), fc.nat(), fc.constantFrom('TPM', 'RPM', 'RPD', 'IPM'), fc.double())
    .map(
      ([l, u, r, unit, wait]) =>
        `Rate limit reached on tokens per min (${unit}): Limit ${l}, Used ${u}, Requested ${r}. Please try again in ${wait}s.`,
    ),
  fc.constantFrom(
    'You exceeded your current quota, please check your plan and billing details.',
    'Please retry in 99999999999s.',
    'Please retry in -5s.',
    'Overloaded',
    'prompt is too long: 999999999999999999999 tokens > 200000 maximum',
  ),
);

/** A record of lazies as one lazy building the object (keys with undefined-producing recipes kept). */
function recordOf(parts: fc.Arbitrary<Record<string, Lazy>>): fc.Arbitrary<Lazy> {
  return parts.map((p) =>
    lazy(
      `{${Object.entries(p)
        .map(([k, v]) => `${k}: ${fc.stringify(v)}`)
        .join(', ')}}`,
      () =>
        withKeys(
          Object.entries(p).map(([k, v]) => [k, v()] as const),
          {},
        ),
    ),
  );
}

const either = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<Lazy> =>
  fc.oneof({ weight: 3, arbitrary: data(arb) }, { weight: 1, arbitrary: hostileLeaf });

const providerError = recordOf(
  fc.record(
    {
      message: either(providerMessage),
      type: either(
        fc.constantFrom(
          'tokens',
          'requests',
          'rate_limit_error',
          'overloaded_error',
          'insufficient_quota',
          'invalid_request_error',
          '__proto__',
        ),
      ),
      code: either(
        fc.oneof(
          fc.constantFrom<unknown>('rate_limit_exceeded', 'insufficient_quota', 429, '429', null),
          fc.string({ maxLength: 300 }),
        ),
      ),
      status: data(fc.constantFrom('RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'PERMISSION_DENIED', 42)),
      details: data(
        fc.array(
          fc.oneof(
            fc.record({
              '@type': fc.constantFrom(
                'type.googleapis.com/google.rpc.RetryInfo',
                'type.googleapis.com/google.rpc.QuotaFailure',
              ),
              retryDelay: fc.oneof(fc.constantFrom('5s', '-1s', '1e99s', 'NaNs'), fc.string()),
              violations: fc.array(fc.jsonValue(), { maxLength: 2 }),
            }),
            fc.jsonValue(),
          ),
          { maxLength: 3 },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
);

const providerBody = recordOf(
  fc.record(
    {
      error: fc.oneof(providerError, either(fc.string({ maxLength: 50 }))),
      type: data(fc.constantFrom('error', 'x')),
      request_id: either(fc.string({ maxLength: 40 })),
    },
    { requiredKeys: [] },
  ),
);

/** JSON texts that try to pollute prototypes when parsed and merged. */
export const POLLUTING_JSON = [
  '{"__proto__":{"polluted":"yes"},"error":{"message":"m","code":"rate_limit_exceeded"}}',
  '{"error":{"__proto__":{"polluted":"yes","type":"insufficient_quota"},"message":"m"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}},"error":{"type":"overloaded_error"}}',
  '[{"error":{"__proto__":{"polluted":"yes"},"code":429,"status":"RESOURCE_EXHAUSTED"}}]',
] as const;

export const body: fc.Arbitrary<Lazy> = fc.oneof(
  { weight: 3, arbitrary: providerBody },
  { weight: 2, arbitrary: data(fc.constantFrom(...recorded.map((r) => r.body))) },
  { weight: 1, arbitrary: data(fc.constantFrom(...recorded.map((r) => JSON.stringify(r.body)))) },
  { weight: 2, arbitrary: data(fc.jsonValue({ maxDepth: 4 })) },
  { weight: 1, arbitrary: data(fc.string({ maxLength: 300 })) },
  { weight: 1, arbitrary: data(fc.constantFrom(...POLLUTING_JSON)) },
  {
    weight: 1,
    arbitrary: fc
      .nat({ max: 200_000 })
      .map((n) =>
        lazy(
          `error body with a ${n}-character message`,
          () => `{"error":{"code":"rate_limit_exceeded","message":"${'x'.repeat(n)}"}}`,
        ),
      ),
  },
  { weight: 1, arbitrary: data(fc.uint8Array({ maxLength: 200 })) },
  { weight: 1, arbitrary: hostileLeaf },
);

export const SHAPES = [
  'descriptor',
  'Error',
  'UpstreamHttpError',
  'openai-sdk',
  'anthropic-sdk',
  'axios',
  'aws-sdk',
  'google-genai',
  'fetch-failed',
] as const;

export type Shape = (typeof SHAPES)[number];

export interface ErrorParts {
  readonly status: unknown;
  readonly headers: unknown;
  readonly body: unknown;
  readonly message: string;
  readonly name: string;
}

/** Builds one error in the shape a client library throws it, from possibly absurd parts. */
export function shaped(kind: Shape, p: ErrorParts): unknown {
  try {
    switch (kind) {
      case 'descriptor':
        return { status: p.status, headers: p.headers, body: p.body };
      case 'Error':
        return Object.assign(new Error(p.message), {
          name: p.name,
          status: p.status,
          headers: p.headers,
          body: p.body,
        });
      case 'UpstreamHttpError':
        return new UpstreamHttpError({
          status: p.status as number,
          headers: p.headers as Record<string, string>,
          body: p.body,
          message: p.message,
          url: `https://api.example.com/v1/x?key=${p.message}`,
        });
      case 'openai-sdk': {
        // openai-node's APIError: status, headers, the body's `error` member, param/type/code copies.
        const err = new Error(`${typeof p.status === 'number' ? p.status : 'status'} ${p.message}`);
        const inner =
          typeof p.body === 'object' && p.body !== null ? Reflect.get(p.body, 'error') : p.body;
        return Object.assign(err, {
          status: p.status,
          headers: p.headers,
          error: inner,
          param: null,
          type: 'tokens',
          code: null,
          requestID: p.name,
        });
      }
      case 'anthropic-sdk':
        return Object.assign(new Error(p.message), {
          status: p.status,
          headers: p.headers,
          error: p.body,
          requestID: p.name,
        });
      case 'axios':
        return Object.assign(new Error(p.message), {
          name: 'AxiosError',
          isAxiosError: true,
          code: 'ERR_BAD_RESPONSE',
          config: {
            headers: { Authorization: 'Bearer sk-proj-axiosSecretShouldNeverLeak000000' },
          },
          response: { status: p.status, headers: p.headers, data: p.body },
        });
      case 'aws-sdk':
        return Object.assign(new Error(p.message), {
          name: p.name || 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: p.status, requestId: p.name },
        });
      case 'google-genai':
        return Object.assign(new Error(typeof p.body === 'string' ? p.body : p.message), {
          name: 'ApiError',
          status: p.status,
        });
      default:
        return new TypeError('fetch failed', {
          cause: Object.assign(new Error(p.message), { code: p.name || 'ECONNRESET' }),
        });
    }
  } catch {
    // A part the constructor refuses: the plain descriptor still carries the same hostility.
    return { status: p.status, headers: p.headers, body: p.body };
  }
}

const errorParts = fc.record({
  status: statusLike,
  headers,
  body,
  message: fc.oneof(providerMessage, fc.string({ maxLength: 100 })),
  name: fc.oneof(
    fc.constantFrom(
      'APIError',
      'RateLimitError',
      'ThrottlingException',
      'ServiceUnavailableException',
      'ECONNRESET',
      'UND_ERR_HEADERS_TIMEOUT',
      'AbortError',
      '',
    ),
    fc.string({ maxLength: 20 }),
  ),
});

const TRANSFORMS = [
  'none',
  'freeze',
  'null-prototype',
  'getter-throws',
  'message-getter-throws',
] as const;

function transform(value: unknown, kind: (typeof TRANSFORMS)[number], key: string): unknown {
  if (typeof value !== 'object' || value === null) return value;
  try {
    switch (kind) {
      case 'freeze':
        return Object.freeze(value);
      case 'null-prototype':
        return Object.setPrototypeOf(value, null) as unknown;
      case 'getter-throws':
        Object.defineProperty(value, key, {
          configurable: true,
          enumerable: true,
          get() {
            throw new Error(`getter ${key}`);
          },
        });
        return value;
      case 'message-getter-throws':
        // `stack` first: V8 formats an Error's lazy stack when it is redefined, reading `name`.
        for (const k of ['stack', 'message', 'name']) {
          Object.defineProperty(value, k, {
            configurable: true,
            get() {
              throw new Error(`getter ${k}`);
            },
          });
        }
        return value;
      default:
        return value;
    }
  } catch {
    return value;
  }
}

/** Wraps `inner` in `depth` Errors linked by `cause`, as app code rethrows upstream errors. */
export function causeChain(inner: unknown, depth: number): unknown {
  let out = inner;
  for (let i = 0; i < depth; i++) out = new Error(`wrapped ${i}`, { cause: out });
  return out;
}

/** Upstream-looking errors with hostile parts, in every shape a client library throws, maybe wrapped. */
export const upstreamLike: fc.Arbitrary<Lazy> = fc
  .tuple(
    fc.constantFrom(...SHAPES),
    errorParts,
    fc.constantFrom(...TRANSFORMS),
    fc.constantFrom('status', 'headers', 'body', 'error', 'response', 'cause', 'code'),
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.nat({ max: 12 }) },
    ),
  )
  .map(([kind, p, how, key, depth]) =>
    lazy(
      `${kind}{status: ${fc.stringify(p.status)}, headers: ${fc.stringify(p.headers)}, body: ${fc.stringify(p.body)}, message: ${JSON.stringify(p.message)}, name: ${JSON.stringify(p.name)}} ${how}(${key}) wrapped ${depth}`,
      () =>
        causeChain(
          transform(
            shaped(kind, {
              status: p.status(),
              headers: p.headers(),
              body: p.body(),
              message: p.message,
              name: p.name,
            }),
            how,
            key,
          ),
          depth,
        ),
    ),
  );

/** Anything fast-check can build, with every optional kind of value switched on. */
export const anything: fc.Arbitrary<Lazy> = data(
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    maxDepth: 3,
  }),
  false,
);

/** What a route may throw: mostly upstream-looking values, some of anything, some bare hostility. */
export const thrownValue: fc.Arbitrary<Lazy> = fc.oneof(
  { weight: 6, arbitrary: upstreamLike },
  { weight: 2, arbitrary: anything },
  { weight: 1, arbitrary: hostileLeaf },
);

/**
 * Whether a framework's own default error handling can cope with `value`: every framework reads a
 * few members of what reaches it (status, headers, message, stack) and formats it for its log,
 * and Express's finalhandler, Koa's onerror and Nest's filter crash on values whose conversions
 * throw (a rejected promise or an uncaught exception, without four29 as with it). Values four29
 * declines are compared with the app without four29 only when this holds; the rest are checked
 * for being handed over untouched instead (hostile.test.ts).
 */
export function frameworkCanRender(value: unknown, framework?: string): boolean {
  try {
    // Koa's onerror returns early for a null or undefined error: the request is never answered.
    if (value === null || value === undefined) return framework?.startsWith('koa') !== true;
    const type = typeof value;
    if (type === 'string' || type === 'number' || type === 'boolean') return true;
    if (type !== 'object') return false;
    const obj = value as Record<string, unknown>;
    for (const key of [
      'status',
      'statusCode',
      'expose',
      'message',
      'name',
      'stack',
      'code',
      'cause',
    ]) {
      const v = obj[key];
      if (typeof v === 'bigint' || typeof v === 'symbol') return false;
      if (typeof v === 'object' && v !== null && !frameworkCanRender(v, framework)) return false;
    }
    // Koa's onerror assigns `err.status` and sets `err.headers` on the response: a frozen error or
    // a header Node refuses makes Koa's own handler reject.
    if (!Object.isExtensible(obj)) return false;
    const status = Object.getOwnPropertyDescriptor(obj, 'status');
    if (status !== undefined && status.writable !== true && status.set === undefined) return false;
    const headers = obj.headers;
    if (typeof headers === 'object' && headers !== null) {
      for (const key of Object.keys(headers)) {
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) return false;
        const v = (headers as Record<string, unknown>)[key];
        if (/[^\t\x20-\x7e\x80-\xff]/.test(String(v))) return false;
        // What Node itself refuses when Koa's onerror copies the header: a Symbol value (String()
        // of a Symbol works, Node's template conversion does not), also inside an array.
        validateHeaderValue(key, v as string);
      }
    }
    Object.keys(obj);
    String(value);
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}
