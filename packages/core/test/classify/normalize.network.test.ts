/**
 * The connection-error boundary: a connection failure or timeout that an HTTP or LLM client threw
 * is an upstream error (and names the provider when the client says which host it called); the
 * same system error thrown bare, by a database driver say, or the caller's own abort, is not.
 *
 * The shapes below are copied from what each client really throws (packages/client-suite throws
 * them for real over loopback); here both sides of the boundary are pinned down next to each other.
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/index.js';
import { hostOf } from '../../src/classify/normalize.js';
import { providerFromHost } from '../../src/classify/providers.js';

/** What Node's net module rejects with: the same object from pg, mysql2, ioredis, undici.request. */
function systemError(code: string, port: number): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:${port}`), {
    errno: -111,
    code,
    syscall: 'connect',
    address: '127.0.0.1',
    port,
  });
}

function named<T extends Error>(error: T, name: string): T {
  error.name = name;
  return error;
}

/** The Vercel AI SDK's APICallError for a request that got no response. */
function aiSdkCallError(url: string, cause: unknown): Error {
  return Object.assign(
    named(new Error('Cannot connect to API: connect ECONNREFUSED', { cause }), 'AI_APICallError'),
    { url, requestBodyValues: { model: 'gpt-4o-mini' }, isRetryable: true },
  );
}

function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

/** got: every RequestError carries `timings` and `options` (whose `url` is a WHATWG URL). */
function gotError(name: string, code: string, url = 'http://127.0.0.1:9/v1'): Error {
  return Object.assign(named(new Error(`got ${code}`), name), {
    code,
    timings: { start: 0, phases: {} },
    options: { url: new URL(url) },
  });
}

const LANGCHAIN_RETRYABLE = Symbol.for('langchain.errors.retryable');

function langchainTimeout(): Error {
  const error = named(new Error('Request timed out.'), 'TimeoutError');
  Object.defineProperty(error, LANGCHAIN_RETRYABLE, { value: true });
  return error;
}

describe('not upstream: the app’s own connection failures and aborts', () => {
  it.each([
    ['Postgres', systemError('ECONNREFUSED', 5432)],
    ['Redis', systemError('ECONNREFUSED', 6379)],
    ['MySQL, reset', systemError('ECONNRESET', 3306)],
    ['a bare ETIMEDOUT', systemError('ETIMEDOUT', 5432)],
    // The port proves nothing: a driver pointed at 443 throws the same object.
    ['a bare ECONNREFUSED on 443', systemError('ECONNREFUSED', 443)],
    ['wrapped by the app', new Error('db down', { cause: systemError('ECONNREFUSED', 5432) })],
  ])('%s → null', (_label, thrown) => {
    expect(classify(thrown)).toBeNull();
  });

  it('a TimeoutError that is not a client’s (p-timeout around a query, a bare Error) → null', () => {
    expect(classify(named(new Error('Promise timed out after 50 ms'), 'TimeoutError'))).toBeNull();
    // LangChain's stamp says "retry"; without it the name alone is not enough, and a false stamp
    // (LangChain's own AbortError) does not count either.
    const stampedFalse = named(new Error('Request timed out.'), 'TimeoutError');
    Object.defineProperty(stampedFalse, LANGCHAIN_RETRYABLE, { value: false });
    expect(classify(stampedFalse)).toBeNull();
    // ky's marks need a Request-like `request`, not any object.
    expect(
      classify(Object.assign(named(new Error('t'), 'TimeoutError'), { request: { sql: 'x' } })),
    ).toBeNull();
  });

  it('the caller’s abort stays the caller’s, whichever client rethrows it', () => {
    const abort = named(new Error('This operation was aborted'), 'AbortError');
    expect(classify(abort)).toBeNull();
    // node-fetch's AbortError
    expect(
      classify(Object.assign(named(new Error('aborted'), 'AbortError'), { type: 'aborted' })),
    ).toBeNull();
    // LangChain's AbortError (stamped not retryable)
    const lc = named(new Error('Request was aborted.'), 'AbortError');
    Object.defineProperty(lc, LANGCHAIN_RETRYABLE, { value: false });
    expect(classify(lc)).toBeNull();
    // got's CancelError has timings and options but no network code
    expect(classify(gotError('CancelError', 'ERR_CANCELED'))).toBeNull();
    // an AI SDK call error around the caller's abort
    expect(
      classify(aiSdkCallError('https://api.openai.com/v1/chat/completions', abort)),
    ).toBeNull();
  });

  it('client errors without a network code are not guessed at', () => {
    expect(classify(gotError('ParseError', 'ERR_BODY_PARSE_FAILURE'))).toBeNull();
    expect(
      classify(Object.assign(named(new Error('bad json'), 'FetchError'), { type: 'invalid-json' })),
    ).toBeNull();
    expect(
      classify(
        Object.assign(named(new Error('x'), 'FetchError'), { type: 'system', code: 'EACCES' }),
      ),
    ).toBeNull();
    expect(classify(aiSdkCallError('https://api.openai.com/v1', new Error('weird')))).toBeNull();
    // AWS SDK: $metadata without a response and without a network failure (credentials, say)
    // keeps its old reading; with $fault it is a service exception, not a socket failure.
    const serviceSide = Object.assign(named(new Error('x'), 'TimeoutError'), {
      $metadata: { attempts: 1 },
      $fault: 'server',
    });
    expect(classify(serviceSide)?.upstreamCode).toBe('TimeoutError');
  });
});

describe('upstream: connection failures and timeouts thrown by HTTP and LLM clients', () => {
  it('the AI SDK’s APICallError without a response, alone and as RetryError.lastError', () => {
    const call = aiSdkCallError(
      'https://api.anthropic.com/v1/messages',
      fetchFailed(systemError('ECONNREFUSED', 443)),
    );
    expect(classify(call)).toMatchObject({
      kind: 'upstream_error',
      provider: 'anthropic',
      retryable: true,
      upstreamCode: 'ECONNREFUSED',
    });
    const retry = Object.assign(named(new Error('Failed after 3 attempts.'), 'AI_RetryError'), {
      reason: 'maxRetriesExceeded',
      errors: [call, call, call],
      lastError: call,
    });
    expect(classify(retry)).toMatchObject({ kind: 'upstream_error', provider: 'anthropic' });
    const timedOut = aiSdkCallError(
      'https://generativelanguage.googleapis.com/v1beta/models/m:generateContent',
      fetchFailed(
        Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
      ),
    );
    expect(classify(timedOut)).toMatchObject({ kind: 'upstream_timeout', provider: 'google' });
  });

  it('got: RequestError with a network code, TimeoutError', () => {
    expect(classify(gotError('RequestError', 'ECONNREFUSED'))).toMatchObject({
      kind: 'upstream_error',
      provider: 'generic',
      upstreamCode: 'ECONNREFUSED',
    });
    expect(
      classify(gotError('TimeoutError', 'ETIMEDOUT', 'https://my-res.openai.azure.com/openai/x')),
    ).toMatchObject({
      kind: 'upstream_timeout',
      provider: 'azure-openai',
      upstreamCode: 'ETIMEDOUT',
    });
    expect(classify(gotError('ReadError', 'ECONNRESET'))?.kind).toBe('upstream_error');
  });

  it('ky: TimeoutError with its Request', () => {
    const request = { url: 'https://api.openai.com/v1/chat/completions', method: 'POST' };
    expect(
      classify(Object.assign(named(new Error('Request timed out'), 'TimeoutError'), { request })),
    ).toMatchObject({ kind: 'upstream_timeout', provider: 'openai', retryable: true });
  });

  it('node-fetch: FetchError of type system, and v2’s request-timeout', () => {
    const refused = Object.assign(
      named(
        new Error(
          'request to https://openrouter.ai/api/v1/chat/completions failed, reason: connect ECONNREFUSED',
        ),
        'FetchError',
      ),
      { type: 'system', errno: 'ECONNREFUSED', code: 'ECONNREFUSED', erroredSysCall: 'connect' },
    );
    expect(classify(refused)).toMatchObject({
      kind: 'upstream_error',
      provider: 'openrouter',
      upstreamCode: 'ECONNREFUSED',
    });
    const v2 = Object.assign(named(new Error('network timeout at: http://x/'), 'FetchError'), {
      type: 'request-timeout',
    });
    expect(classify(v2)?.kind).toBe('upstream_timeout');
  });

  it('LangChain’s TimeoutError (stamped retryable by @langchain/core)', () => {
    expect(classify(langchainTimeout())).toMatchObject({
      kind: 'upstream_timeout',
      provider: 'generic',
      retryable: true,
    });
  });

  it('AWS SDK: $metadata without a response, timed out or refused', () => {
    const timeout = Object.assign(
      named(new Error('Stream timed out because of no activity for 200 ms'), 'TimeoutError'),
      { $metadata: { attempts: 1, totalRetryDelay: 0 } },
    );
    expect(classify(timeout)).toMatchObject({ kind: 'upstream_timeout', retryable: true });
    const refused = Object.assign(new Error('The pending stream has been canceled'), {
      code: 'ERR_HTTP2_STREAM_CANCEL',
      cause: systemError('ECONNREFUSED', 443),
      $metadata: { attempts: 1, totalRetryDelay: 0 },
    });
    expect(classify(refused)).toMatchObject({
      kind: 'upstream_error',
      upstreamCode: 'ECONNREFUSED',
    });
  });

  it('the caller’s provider hint names who did not answer when the client cannot', () => {
    expect(
      classify(gotError('RequestError', 'ECONNREFUSED'), { provider: 'openai' })?.provider,
    ).toBe('openai');
    // …but the provider's own host in the URL wins over a wrong hint.
    expect(
      classify(
        aiSdkCallError('https://api.openai.com/v1', fetchFailed(systemError('ECONNRESET', 443))),
        {
          provider: 'anthropic',
        },
      )?.provider,
    ).toBe('openai');
  });
});

describe('hosts', () => {
  it.each([
    ['https://api.openai.com/v1/chat/completions', 'openai'],
    ['https://API.ANTHROPIC.COM:443/v1/messages', 'anthropic'],
    ['https://user:pw@generativelanguage.googleapis.com/v1beta', 'google'],
    ['https://us-central1-aiplatform.googleapis.com/v1/projects/p', 'google'],
    ['https://res.openai.azure.com/openai/deployments/d', 'azure-openai'],
    ['https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke', 'bedrock'],
    ['https://openrouter.ai/api/v1', 'openrouter'],
    ['https://api.groq.com/openai/v1', 'groq'],
  ])('%s → %s', (url, provider) => {
    expect(providerFromHost(hostOf(url))).toBe(provider);
  });

  it.each([
    'http://127.0.0.1:4290/v1',
    'https://api.openai.com.evil.example/v1',
    'https://evil.example/?https://api.openai.com/',
    'https://evil.example#@api.openai.com',
    'https://s3.us-east-1.amazonaws.com/b',
    'ftp://api.openai.com/',
    'api.openai.com',
  ])('%s → no provider', (url) => {
    expect(providerFromHost(hostOf(url))).toBeUndefined();
  });

  it('hostile URLs and URL holders are read safely, with bounded work', () => {
    const throwing = {
      get href(): string {
        throw new Error('trap');
      },
    };
    expect(hostOf(throwing)).toBeUndefined();
    expect(hostOf(`https://${'a'.repeat(100_000)}.com/`)).toBeUndefined();
    expect(hostOf(42)).toBeUndefined();
    const hostile = new Proxy(gotError('RequestError', 'ECONNREFUSED'), {
      get(target, key) {
        if (key === 'options') throw new Error('trap');
        return Reflect.get(target, key);
      },
    });
    // The got marks cannot be read: not recognised, and nothing throws.
    expect(() => classify(hostile)).not.toThrow();
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(
      classify(aiSdkCallError('https://api.openai.com/v1', fetchFailed(revoked.proxy))),
    ).toBeNull();
  });
});
