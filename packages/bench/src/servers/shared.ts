import type { Server } from 'node:http';
import type { Four29Logger, Four29Options } from '@four29/core';
import { fixtureById } from '@four29/fixtures';
import { APIError, RateLimitError } from 'openai';
import { pino } from 'pino';

/**
 * How a server under test answers errors:
 * - `bare`: no error handling at all (the happy-path baseline, "no four29").
 * - `static`: a minimal hand-written handler answering a static 503 JSON: the physical limit.
 * - `hand`: what a careful engineer ships without four29 (see hand-written.ts), logging with pino.
 * - `four29`: the adapter as its README installs it, `logger: pino(/dev/null)`, default options.
 * - `four29-all`: the same with `logSuppression: false`, so every error is logged, like `hand`.
 */
export const VARIANTS = ['bare', 'static', 'hand', 'four29', 'four29-all'] as const;
export type Variant = (typeof VARIANTS)[number];

/**
 * What the error route throws: a `fresh` openai-node error per request, built as the SDK's client
 * builds it after a 429 (what apps get), or one `prebuilt` error rethrown on every request (the
 * bench's old form, kept as an info row).
 */
export const ERROR_FORMS = ['fresh', 'prebuilt'] as const;
export type ErrorForm = (typeof ERROR_FORMS)[number];

export const OK_PATH = '/ok';
export const FAIL_PATH = '/fail';

/** The static 503's whole answer, serialised once. */
export const STATIC_503_BODY = JSON.stringify({ error: 'upstream_unavailable' });

/** The fixture the error route throws: OpenAI's per-minute token limit. */
export const RATE_LIMIT_FIXTURE_ID = 'openai.rate_limit.tokens';

/**
 * One framework's server for the bench: a file in `frameworks/` whose default export is this is
 * all a new framework needs (plus its packages in package.json). The app has two routes: `GET /ok`
 * answers `{"ok":true}` the framework's usual way, `GET /fail` calls `fail()`; `variant` decides
 * the error handling.
 */
export interface FrameworkServer {
  /** As the report names it, e.g. `Hono (node-server)`. */
  readonly label: string;
  /**
   * The happy path's anchor: `bare` (no error handling) where an error handler costs nothing
   * until something throws; `hand` where any error handling wraps every request (Koa's `next()`).
   */
  readonly happyBaseline: 'bare' | 'hand';
  /** Packages whose versions the report prints. */
  readonly packages: readonly string[];
  listen(variant: Variant, fail: () => never): Promise<Server>;
}

export function isVariant(value: unknown): value is Variant {
  return typeof value === 'string' && (VARIANTS as readonly string[]).includes(value);
}

export function isErrorForm(value: unknown): value is ErrorForm {
  return typeof value === 'string' && (ERROR_FORMS as readonly string[]).includes(value);
}

/**
 * The error route's body. `fresh`: what openai-node's client does after a 429 on every request
 * (parse the body text, wrap the response headers, `APIError.generate`), from the recorded
 * response. `prebuilt`: that error built once and rethrown.
 */
export function upstreamFailure(form: ErrorForm): () => never {
  const r = fixtureById(RATE_LIMIT_FIXTURE_ID).respond(Date.now());
  const text = JSON.stringify(r.body);
  const headers = Object.entries(r.headers);
  const build = (): APIError =>
    APIError.generate(r.status, JSON.parse(text) as object, undefined, new Headers(headers));
  const sample = build();
  if (!(sample instanceof RateLimitError)) {
    throw new Error(`expected openai RateLimitError, got ${sample.constructor.name}`);
  }
  if (form === 'prebuilt') {
    return () => {
      throw sample;
    };
  }
  return () => {
    throw build();
  };
}

/** Each variant's error handling, in one framework's own shape. */
export interface ErrorHandlers<H> {
  /** The four29 adapter made with these options. */
  readonly four29: (options: Four29Options) => H;
  readonly static: H;
  /** Makes the hand-written handler (each makes its own pino logger). */
  readonly hand: () => H;
}

/** The error handling `variant` installs; undefined for `bare`. */
export function errorHandlerFor<H>(variant: Variant, handlers: ErrorHandlers<H>): H | undefined {
  const options = four29Options(variant);
  if (options !== undefined) return handlers.four29(options);
  if (variant === 'static') return handlers.static;
  if (variant === 'hand') return handlers.hand();
  return undefined;
}

/** Options for the adapter in a four29 variant; undefined for the variants without four29. */
export function four29Options(variant: Variant): Four29Options | undefined {
  switch (variant) {
    case 'four29':
      return { logger: devNullPino() };
    case 'four29-all':
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
