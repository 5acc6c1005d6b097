import { Writable } from 'node:stream';
import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import { APIError } from 'openai';
import { type Logger, pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  answerUpstreamError,
  goDurationMs,
  retryAfterSeconds,
} from '../src/servers/hand-written.js';

/** The error openai-node's client throws for a recorded response. */
function sdkError(id: string): APIError {
  const r = fixtureById(id).respond(FIXTURE_NOW);
  return APIError.generate(r.status, r.body as object, undefined, new Headers(r.headers));
}

function memoryLogger(): { log: Logger; lines: () => Record<string, unknown>[] } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return {
    log: pino({ serializers: { err: pino.stdSerializers.err } }, sink),
    lines: () =>
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('goDurationMs', () => {
  it('reads the Go durations OpenAI sends in its reset headers', () => {
    expect(goDurationMs('6m0s')).toBe(360_000);
    expect(goDurationMs('1s')).toBe(1_000);
    expect(goDurationMs('1.146s')).toBe(1_146);
    expect(goDurationMs('20ms')).toBe(20);
    expect(goDurationMs('1h2m3s')).toBe(3_723_000);
  });

  it('rejects what is not one', () => {
    for (const bad of ['', 's', '12', '1x', '-1s', '1s2m', 'soon']) {
      expect(goDurationMs(bad), bad).toBeUndefined();
    }
  });
});

describe('retryAfterSeconds', () => {
  it('prefers retry-after-ms, then retry-after, then the exhausted bucket’s reset header', () => {
    const all = new Headers({
      'retry-after-ms': '1500',
      'retry-after': '7',
      'x-ratelimit-reset-tokens': '30s',
    });
    expect(retryAfterSeconds(all, 'tokens')).toBe(2);
    all.delete('retry-after-ms');
    expect(retryAfterSeconds(all, 'tokens')).toBe(7);
    all.delete('retry-after');
    expect(retryAfterSeconds(all, 'tokens')).toBe(30);
  });

  it('reads an HTTP date in retry-after', () => {
    const now = Date.parse('2026-11-01T12:00:00Z');
    const h = new Headers({ 'retry-after': 'Sun, 01 Nov 2026 12:00:10 GMT' });
    expect(retryAfterSeconds(h, undefined, now)).toBe(10);
  });

  it('picks the requests bucket when the error names it or its remaining count is 0', () => {
    const h = new Headers({
      'x-ratelimit-reset-requests': '20s',
      'x-ratelimit-reset-tokens': '1s',
    });
    expect(retryAfterSeconds(h, 'requests')).toBe(20);
    expect(retryAfterSeconds(h, 'tokens')).toBe(1);
    h.set('x-ratelimit-remaining-requests', '0');
    expect(retryAfterSeconds(h, undefined)).toBe(20);
  });

  it('gives nothing for garbage', () => {
    const h = new Headers({
      'retry-after-ms': 'x',
      'retry-after': '  ',
      'x-ratelimit-reset-tokens': 'later',
    });
    expect(retryAfterSeconds(h, 'tokens')).toBeUndefined();
    expect(retryAfterSeconds(undefined, 'tokens')).toBeUndefined();
  });
});

describe('answerUpstreamError (the hand-written anchor)', () => {
  it.each([
    'openai.rate_limit.tokens',
    'openai.rate_limit.requests',
    'openai.rate_limit.requests_per_day',
    'openai.rate_limit.retry_after_ms',
  ])('answers %s with the Retry-After four29 derives, and logs one line', (id) => {
    const { log, lines } = memoryLogger();
    const answer = answerUpstreamError(sdkError(id), log);
    const seconds = Math.ceil((fixtureById(id).expected.retryAfterMs as number) / 1_000);
    expect(answer?.status).toBe(503);
    expect(answer?.headers['content-type']).toBe('application/problem+json');
    expect(answer?.headers['retry-after']).toBe(String(seconds));
    expect(JSON.parse(answer?.body ?? '')).toMatchObject({ status: 503, retryAfter: seconds });
    const logged = lines();
    expect(logged).toHaveLength(1);
    expect(logged[0]?.err).toMatchObject({ type: 'RateLimitError', status: 429 });
  });

  it.each(['openai.insufficient_quota', 'openai.insufficient_quota.null_code'])(
    'tells %s from a rate limit: no Retry-After',
    (id) => {
      const answer = answerUpstreamError(sdkError(id), memoryLogger().log);
      expect(answer?.status).toBe(503);
      expect(answer?.headers['retry-after']).toBeUndefined();
      expect(answer?.body).toContain('quota');
    },
  );

  it('leaves anything that is not an openai-node error to the framework, unlogged', () => {
    const { log, lines } = memoryLogger();
    for (const thrown of [new Error('boom'), null, 'text', { status: 429 }]) {
      expect(answerUpstreamError(thrown, log)).toBeUndefined();
    }
    expect(lines()).toHaveLength(0);
  });
});
