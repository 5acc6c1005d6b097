/**
 * The anchor the error path is judged against: what a careful engineer ships without four29 for an
 * app that calls OpenAI through openai-node. Written to be shipped, not to lose: `instanceof` on the
 * SDK's own error classes, quota told from a rate limit, Retry-After from the headers OpenAI sends,
 * a small problem+json body, and one pino line per error with pino's standard `err` serializer.
 * No four29 code. Each framework file wires `answerUpstreamError` in its usual way.
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  InternalServerError,
  RateLimitError,
} from 'openai';
import { type Logger, pino } from 'pino';

export interface HandAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Like the four29 pino variant: pino's own destination on /dev/null, its standard serializer. */
export function handLogger(): Logger {
  return pino({ serializers: { err: pino.stdSerializers.err } }, pino.destination('/dev/null'));
}

const GO_DURATION =
  /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/;

/** OpenAI's reset headers are Go durations: `6m0s`, `1s`, `1.146s`, `20ms`. */
export function goDurationMs(text: string): number | undefined {
  const m = text === '' ? null : GO_DURATION.exec(text);
  if (m === null) return undefined;
  const [, h = '0', min = '0', s = '0', ms = '0'] = m;
  return Number(h) * 3_600_000 + Number(min) * 60_000 + Number(s) * 1_000 + Number(ms);
}

/**
 * Seconds to wait: `retry-after-ms`, then `retry-after` (seconds or an HTTP date), then the reset
 * header of the bucket that ran out (OpenAI names it in the error's `type`: `requests` or `tokens`).
 */
export function retryAfterSeconds(
  headers: Headers | undefined,
  bucket: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (headers === undefined) return undefined;
  const retryAfterMs = headers.get('retry-after-ms');
  if (retryAfterMs !== null && retryAfterMs.trim() !== '') {
    const ms = Number(retryAfterMs);
    if (ms >= 0) return Math.ceil(ms / 1_000);
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (retryAfter.trim() !== '' && seconds >= 0) return Math.ceil(seconds);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now) / 1_000));
  }
  const requests = bucket === 'requests' || headers.get('x-ratelimit-remaining-requests') === '0';
  const reset = headers.get(requests ? 'x-ratelimit-reset-requests' : 'x-ratelimit-reset-tokens');
  const resetMs = reset === null ? undefined : goDurationMs(reset);
  return resetMs === undefined ? undefined : Math.ceil(resetMs / 1_000);
}

function problem(
  status: number,
  slug: string,
  title: string,
  detail: string,
  retryAfter?: number,
): HandAnswer {
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return {
    status,
    headers,
    body: JSON.stringify({
      type: `https://api.example.com/problems/${slug}`,
      title,
      status,
      detail,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    }),
  };
}

/** The answer for an openai-node error, logged once; undefined for anything else. */
export function answerUpstreamError(err: unknown, log: Logger): HandAnswer | undefined {
  if (!(err instanceof APIError)) return undefined;
  let answer: HandAnswer;
  if (err instanceof RateLimitError) {
    // Older responses carry it in `type` with a null `code`.
    if (err.code === 'insufficient_quota' || err.type === 'insufficient_quota') {
      answer = problem(
        503,
        'quota-exhausted',
        'Upstream quota exhausted',
        'The AI provider account is out of quota. Try again later.',
      );
    } else {
      const retry = retryAfterSeconds(err.headers, err.type);
      answer = problem(
        503,
        'rate-limited',
        'Upstream rate limit reached',
        retry === undefined
          ? 'The AI provider is rate limiting us. Try again shortly.'
          : `The AI provider is rate limiting us. Retry after ${retry} seconds.`,
        retry,
      );
    }
  } else if (err instanceof APIConnectionTimeoutError) {
    answer = problem(504, 'upstream-timeout', 'Upstream timeout', 'The AI provider timed out.');
  } else if (err instanceof APIConnectionError) {
    answer = problem(
      502,
      'upstream-unreachable',
      'Upstream unreachable',
      'The AI provider is unreachable.',
    );
  } else if (err instanceof InternalServerError && (err.status === 503 || err.status === 529)) {
    answer = problem(
      503,
      'upstream-overloaded',
      'Upstream overloaded',
      'The AI provider is overloaded. Try again shortly.',
      retryAfterSeconds(err.headers, undefined),
    );
  } else {
    answer = problem(502, 'upstream-error', 'Upstream error', 'The AI provider returned an error.');
  }
  log.warn(
    { err, upstreamStatus: err.status, upstreamRequestId: err.requestID, status: answer.status },
    'upstream error',
  );
  return answer;
}
