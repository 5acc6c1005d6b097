/**
 * classify runs on the error path of a server: whatever it is handed, it must return null or a
 * valid Classification, never throw, and do bounded work.
 */
import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { classify } from '../../src/classify/index.js';
import { assertValidClassification } from '../support.js';

const NOW = FIXTURE_NOW;
const rateLimited = fixtureById('openai.rate_limit.tokens').respond(NOW);

function throwingProxy(): object {
  const fail = (): never => {
    throw new Error('trap');
  };
  return new Proxy(
    {},
    {
      get: fail,
      has: fail,
      ownKeys: fail,
      getOwnPropertyDescriptor: fail,
      getPrototypeOf: fail,
      defineProperty: fail,
      set: fail,
      deleteProperty: fail,
      isExtensible: fail,
      preventExtensions: fail,
      setPrototypeOf: fail,
      apply: fail,
      construct: fail,
    },
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('hostile inputs', () => {
  it('a Proxy that throws on every trap → null', () => {
    expect(classify(throwingProxy())).toBeNull();
    expect(classify(new Error('x', { cause: throwingProxy() }))).toBeNull();
  });

  it('a revoked Proxy → null', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(classify(proxy)).toBeNull();
    expect(classify({ ...rateLimited, headers: proxy })).toMatchObject({ kind: 'rate_limited' });
  });

  it('throwing getters degrade to "field absent", not to a throw', () => {
    const err = new Error('wrapper');
    for (const key of [
      'status',
      'statusCode',
      'headers',
      'body',
      'cause',
      'name',
      'message',
      'code',
    ]) {
      Object.defineProperty(err, key, {
        get() {
          throw new Error(`getter ${key}`);
        },
      });
    }
    expect(classify(err)).toBeNull();
    const partial = {
      status: 429,
      body: rateLimited.body,
      get headers(): never {
        throw new Error('headers');
      },
    };
    const c = classify(partial, { now: NOW });
    expect(c).toMatchObject({ kind: 'rate_limited', dimension: 'tokens', retryAfterMs: 1146 });
    assertValidClassification(c);
  });

  it('header containers whose iteration throws midway keep what was read', () => {
    const headers = {
      entries() {
        let i = 0;
        return {
          next() {
            if (i++ === 0) return { done: false, value: ['retry-after', '7'] };
            throw new Error('iterator');
          },
        };
      },
    };
    expect(classify({ status: 429, headers, body: 'x' }, { now: NOW })?.retryAfterMs).toBe(7000);
  });

  it('a circular cause chain terminates', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect(classify(a)).toBeNull();
    const self = new Error('self');
    Object.defineProperty(self, 'cause', { value: self });
    expect(classify(self)).toBeNull();
  });

  it('a cause chain 10,000 deep is walked only 8 links', () => {
    let chain: unknown = rateLimited;
    const getters = vi.fn();
    for (let i = 0; i < 10_000; i++) {
      const link = new Error(`link ${i}`);
      const cause = chain;
      Object.defineProperty(link, 'cause', {
        get() {
          getters();
          return cause;
        },
      });
      chain = link;
    }
    expect(classify(chain)).toBeNull();
    expect(getters.mock.calls.length).toBeLessThanOrEqual(20);
    // …while an upstream error a few links down is found.
    let shallow: unknown = rateLimited;
    for (let i = 0; i < 5; i++) shallow = new Error(`wrap ${i}`, { cause: shallow });
    expect(classify(shallow, { now: NOW })?.kind).toBe('rate_limited');
  });

  it('never JSON.parses more than 64 KiB, even of a 10 MB body', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const huge = `{"error":{"message":"${'x'.repeat(10 * 1024 * 1024)}","code":"rate_limit_exceeded"}}`;
    const c = classify({ status: 429, headers: {}, body: huge }, { now: NOW });
    expect(c?.kind).toBe('rate_limited');
    assertValidClassification(c);
    for (const call of parse.mock.calls)
      expect(String(call[0]).length).toBeLessThanOrEqual(64 * 1024);
    // A 10 MB message on the thrown error itself is bounded as well.
    const big = Object.assign(new Error('y'.repeat(10 * 1024 * 1024)), { status: 500, body: {} });
    assertValidClassification(classify(big));
    // And a huge Uint8Array body is decoded only up to the bound.
    const bytes = new Uint8Array(10 * 1024 * 1024).fill(0x61);
    assertValidClassification(classify({ status: 503, headers: {}, body: bytes }));
  });

  it('CR/LF in headers and messages does not reach timing, request ids or log messages', () => {
    const c = classify(
      {
        status: 429,
        headers: {
          'retry-after': '5\r\nSet-Cookie: x=1',
          'x-request-id': 'req_1\r\nX-Injected: yes',
        },
        body: {
          error: { message: 'line one\r\nFAKE LOG LINE level=error', code: 'rate_limit_exceeded' },
        },
      },
      { now: NOW },
    );
    expect(c?.kind).toBe('rate_limited');
    expect(c).not.toHaveProperty('retryAfterMs');
    expect(c).not.toHaveProperty('upstreamRequestId');
    assertValidClassification(c);
  });

  it('__proto__ keys in a JSON body pollute nothing', () => {
    const body =
      '{"__proto__":{"polluted":"yes","error":{"code":"insufficient_quota"}},"error":{"__proto__":{"type":"insufficient_quota"},"message":"m","constructor":{"prototype":{"polluted":"yes"}}}}';
    const c = classify({ status: 429, headers: {}, body }, { now: NOW });
    expect(c?.kind).toBe('rate_limited');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const headers = JSON.parse('{"__proto__":{"retry-after":"9"},"x-request-id":"r1"}') as object;
    const h = classify({ status: 429, headers, body: 'x' }, { now: NOW });
    expect(h?.upstreamRequestId).toBe('r1');
    expect(({} as Record<string, unknown>)['retry-after']).toBeUndefined();
  });

  it('BigInt, symbols, frozen and null-prototype objects', () => {
    expect(classify({ status: 429n, headers: {}, body: 'x' })).toBeNull();
    const sym = Symbol('x');
    const odd = classify({
      status: 429,
      headers: { [sym]: 'x', 'retry-after': 5n, 'x-request-id': sym },
      body: { error: { message: sym, code: 42n, type: Symbol('t') }, [sym]: 1 },
    });
    expect(odd?.kind).toBe('rate_limited');
    assertValidClassification(odd);
    const frozen = Object.freeze({
      status: 429,
      headers: Object.freeze({ ...rateLimited.headers }),
      body: Object.freeze(rateLimited.body as object),
    });
    expect(classify(frozen, { now: NOW })?.retryAfterMs).toBe(1146);
    const bare = Object.assign(Object.create(null) as object, {
      status: 503,
      headers: {},
      body: 'x',
    });
    expect(classify(bare)?.kind).toBe('upstream_error');
  });

  it('nonsense clocks fall back to Date.now()', () => {
    for (const now of [Number.NaN, Number.POSITIVE_INFINITY, -Number.MAX_VALUE]) {
      assertValidClassification(
        classify({ status: 429, headers: { 'retry-after': '1' } }, { now }),
      );
    }
  });

  it('odd provider hints are carried as given, not looked up on prototypes', () => {
    const weird = classify({ status: 429, headers: {}, body: 'x' }, { provider: '__proto__' });
    assertValidClassification(weird);
    expect(weird?.provider).toBe('__proto__');
  });
});
