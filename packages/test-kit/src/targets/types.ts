import type { Server } from 'node:http';
import type { Four29Options } from '@four29/core';

/** The first event every streaming route writes before it fails: the same bytes on every framework. */
export const STREAM_TOKEN = 'data: {"token":"Hel"}\n\n';

/**
 * What a test app does. Every target serves, with four29 installed as its README says (or not at
 * all when `four29` is undefined, the control app):
 * - `GET /sync/:key`    throws `error(key)` from the handler;
 * - `GET /async/:key`   throws `error(key)` after an `await`;
 * - `GET /live/:key`    awaits `live(key)`, which calls an upstream and rejects with what it throws;
 * - `GET /stream/:key`  starts a `text/event-stream` response, writes STREAM_TOKEN, then throws
 *   `error(key)` after an `await` (through the adapter's streaming mechanism where it has one);
 * - `GET /stream-live/:key` the stream route, failing with `live(key)`;
 * - `GET /limited`      the framework's usual rate limiter, one request per minute, then `ok`;
 * - `GET /limited-throw` the same limiter configured to throw/forward its 429 as an error;
 * - `POST /json`        the framework's usual JSON body parsing (a 1 kB limit; Nest's and
 *   Fastify's own defaults there), answers `ok`.
 */
export interface AppSpec {
  /** four29's options, or `undefined` for the same app without four29 (the framework default). */
  readonly four29: Four29Options | undefined;
  error(key: string): unknown;
  live?(key: string): Promise<unknown>;
  /**
   * When set, the app ends with its own last-resort error handler (Express: error middleware after
   * four29; Koa: the outermost middleware; Hono: the adapter's `fallback`, or `onError` without
   * four29; Fastify: the error handler set before four29 registers) that reports what reached it
   * and answers `500 fallback` without touching the value. Nest has no such hook: tests spy on
   * BaseExceptionFilter instead.
   */
  readonly fallback?: (error: unknown) => void;
  /** Where a framework with its own logger (Nest) writes, one JSON line per call. Silent when absent. */
  readonly log?: (line: string) => void;
}

/** A started app. */
export interface RunningApp {
  /** `fetch` against the app: over its real socket on 127.0.0.1, or in-process (`app.request`). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The Node server listening on 127.0.0.1; absent for in-process targets. */
  readonly server?: Server;
  close(): Promise<void>;
}

/** A non-upstream error a framework itself throws (HTTPException, ThrottlerException, …). */
export interface NativeError {
  readonly id: string;
  readonly error: unknown;
}

/** One framework (version × platform) under test. */
export interface Target {
  readonly name: string;
  /** Hono calls `onError` only for `Error` instances; other thrown values never reach four29. */
  readonly handlesNonErrors: boolean;
  /**
   * The framework never ends a started raw stream that fails with the app's own error, with or
   * without four29: Koa leaves a response the app took over (`ctx.respond = false`) to the app;
   * Nest on Fastify hands the error to Fastify's reply, which writes headers a second time (an
   * unhandled rejection). Streams there are compared for upstream errors only.
   */
  readonly declinedStreamsNeverEnd?: boolean;
  /** This framework's own non-upstream errors, thrown from `/sync/:id` by the suites that use them. */
  readonly nativeErrors?: () => readonly NativeError[];
  start(spec: AppSpec): Promise<RunningApp>;
}
