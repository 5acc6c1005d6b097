/**
 * Under `exactOptionalPropertyTypes` (on in this repo, and in many consumers' tsconfigs) an optional
 * property only accepts `undefined` when its type says `| undefined`. Options are usually built from
 * values that may be undefined (`{ provider: config.provider }`), so every public option type says
 * so. This file is type-checked by `tsc` (pnpm typecheck): it fails to compile when one of them
 * loses its `| undefined`. At run time it checks that an explicit `undefined` means "absent".
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ClassifyOptions,
  classify,
  createUpstreamErrorHandler,
  type Four29Options,
  type FromResponseOptions,
  type LogRecordOptions,
  type LogSuppressionOptions,
  type ProblemOptions,
  type RedactionOptions,
  redact,
  toLogRecord,
  toProblem,
  UpstreamHttpError,
  type UpstreamHttpErrorInit,
  withLogSuppression,
} from '../src/index.js';
import { upstreamError } from './support.js';

/** A value whose type includes undefined, as from an optional config field. */
function maybe<T>(value: T | undefined): T | undefined {
  return value;
}

const nothing = undefined;

// Every optional property of every public option type, set to a possibly-undefined value.
const redaction: RedactionOptions = {
  patterns: maybe<readonly RegExp[]>(nothing),
  replacement: maybe<string>(nothing),
};
const suppression: LogSuppressionOptions = {
  windowMs: maybe<number>(nothing),
  maxKeys: maybe<number>(nothing),
};
const four29: Four29Options = {
  policy: maybe<Four29Options['policy']>(nothing),
  logger: false,
  redaction: maybe(redaction),
  problemTypeBase: maybe<string>(nothing),
  provider: maybe<string>(nothing),
  shouldHandle: maybe<Four29Options['shouldHandle']>(nothing),
  logSuppression: maybe(suppression),
  now: maybe<() => number>(nothing),
};
const classifyOptions: ClassifyOptions = {
  now: maybe<number>(nothing),
  provider: maybe<string>(nothing),
};
const problemOptions: ProblemOptions = {
  policy: maybe<ProblemOptions['policy']>(nothing),
  problemTypeBase: maybe<string>(nothing),
};
const logOptions: LogRecordOptions = { ...problemOptions, redaction: maybe(redaction) };
const fromResponseOptions: FromResponseOptions = {
  maxBodyBytes: maybe<number>(nothing),
  provider: maybe<string>(nothing),
  message: maybe<string>(nothing),
};
const init: UpstreamHttpErrorInit = {
  status: 429,
  headers: maybe<UpstreamHttpErrorInit['headers']>(nothing),
  body: maybe<unknown>(nothing),
  message: maybe<string>(nothing),
  provider: maybe<string>(nothing),
  url: maybe<string>(nothing),
  cause: maybe<unknown>(nothing),
};

describe('explicit undefined options mean "absent"', () => {
  // One instant for every call, so resetAt compares equal.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-11-01T12:00:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('handler, classify, toProblem, toLogRecord, redact', () => {
    const error = upstreamError('openai.rate_limit.tokens');
    const withUndefined = createUpstreamErrorHandler(four29)(error);
    const without = createUpstreamErrorHandler({ logger: false })(error);
    expect(withUndefined?.classification).toEqual(without?.classification);
    expect(withUndefined?.body).toBe(without?.body);
    expect(withUndefined?.status).toBe(503);

    const c = classify(error, classifyOptions);
    expect(c).toEqual(classify(error));
    if (c === null) throw new Error('not classified');
    expect(toProblem(c, problemOptions)).toEqual(toProblem(c));
    expect(toLogRecord(c, {}, logOptions)).toEqual(toLogRecord(c));
    expect(redact('key=abcdef123456', redaction)).toBe('key=[REDACTED]');
  });

  it('UpstreamHttpError: no headers, no cause member, the default message', async () => {
    const err = new UpstreamHttpError(init);
    expect([...err.headers]).toEqual([]);
    expect('cause' in err).toBe(false);
    expect(err.message).toBe('Upstream answered 429');
    expect(err.provider).toBeUndefined();
    expect(err.url).toBeUndefined();
    const fromResponse = await UpstreamHttpError.fromResponse(
      new Response('x'.repeat(10), { status: 503 }),
      fromResponseOptions,
    );
    expect(fromResponse.body).toBe('x'.repeat(10));
    expect(fromResponse.message).toBe('Upstream answered 503');
  });

  it('log suppression keeps its defaults', () => {
    const lines: unknown[] = [];
    const logger = withLogSuppression(
      { warn: (o) => lines.push(o), error: (o) => lines.push(o) },
      suppression,
    );
    const record = { event: 'four29.upstream_error', kind: 'rate_limited', provider: 'openai' };
    logger.warn(record);
    logger.warn(record);
    // The default 60 s window: the repeat is counted, not logged.
    expect(lines).toHaveLength(1);
  });
});
