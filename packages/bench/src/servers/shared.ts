import type { Four29Logger, Four29Options } from '@four29/core';
import { fixtureById } from '@four29/fixtures';
import { APIError, RateLimitError } from 'openai';
import { pino } from 'pino';

export const FRAMEWORKS = ['express', 'koa', 'hono', 'nest'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/**
 * - `bare`: no error handling at all, the happy-path baseline ("without four29").
 * - `static`: a minimal hand-written error handler answering a static 503 JSON, the error-path baseline.
 * - `four29`: the adapter with `logger: false`.
 * - `four29-pino`: the adapter logging to pino on /dev/null, default options (log storm suppression on).
 * - `four29-pino-all`: the same with `logSuppression: false`, so every error is serialised and written.
 * - `four29-timed` (Hono only): the core handler called and timed in `onError`, then the static 503
 *   answer, to measure the handler's cost inside a server (see timing.ts).
 */
export const VARIANTS = [
  'bare',
  'static',
  'four29',
  'four29-pino',
  'four29-pino-all',
  'four29-timed',
] as const;
export type Variant = (typeof VARIANTS)[number];

export const OK_PATH = '/ok';
export const FAIL_PATH = '/fail';

/** The error-path baseline's whole answer, serialised once. */
export const STATIC_503_BODY = JSON.stringify({ error: 'upstream_unavailable' });

/** The fixture the error route throws: OpenAI's per-minute token limit. */
export const RATE_LIMIT_FIXTURE_ID = 'openai.rate_limit.tokens';

/**
 * The SDK's own `RateLimitError`, built through `APIError.generate` exactly as openai-node's client
 * does after a 429, from the recorded response. Built once per server: the route rethrows the same
 * object, so the measurement is four29's handling, not the SDK's error construction.
 */
export function rateLimitError(): RateLimitError {
  const r = fixtureById(RATE_LIMIT_FIXTURE_ID).respond(Date.now());
  const error = APIError.generate(r.status, r.body as object, undefined, new Headers(r.headers));
  if (!(error instanceof RateLimitError)) {
    throw new Error(`expected openai RateLimitError, got ${error.constructor.name}`);
  }
  return error;
}

export function isFramework(value: unknown): value is Framework {
  return typeof value === 'string' && (FRAMEWORKS as readonly string[]).includes(value);
}

export function isVariant(value: unknown): value is Variant {
  return typeof value === 'string' && (VARIANTS as readonly string[]).includes(value);
}

/** Options for the adapter in a four29 variant; undefined for the variants without four29. */
export function four29Options(variant: Variant): Four29Options | undefined {
  switch (variant) {
    case 'four29':
      return { logger: false };
    case 'four29-pino':
      return { logger: devNullPino() };
    case 'four29-pino-all':
      return { logger: devNullPino(), logSuppression: false };
    default:
      return undefined;
  }
}

function devNullPino(): Four29Logger {
  // pino's own destination (SonicBoom) with its defaults: the cost of serialising and writing the
  // line is paid, the disk is not.
  return pino(pino.destination('/dev/null'));
}
