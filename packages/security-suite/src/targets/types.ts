import type { Server } from 'node:http';
import type { Four29Options } from '@four29/core';
import {
  closeServer,
  injectRequest,
  listen,
  type RawResponse,
  type RequestInit,
  rawRequest,
} from '../net.js';

/** The first event every streaming route writes before it fails: the same bytes on every framework. */
export const STREAM_TOKEN = 'data: {"token":"Hel"}\n\n';

/**
 * What a test app does. Every target serves, with four29 installed as its README says (or not at
 * all when `four29` is undefined, the control app):
 * - `GET /sync/:key`    throws `error(key)` from the handler;
 * - `GET /async/:key`   throws `error(key)` after an `await`;
 * - `GET /stream/:key`  starts a `text/event-stream` response, writes STREAM_TOKEN, then throws
 *   `error(key)` after an `await` (through the adapter's streaming mechanism where it has one);
 * - `GET /live/:key`    awaits `live(key)`, which calls an upstream and rejects with what it throws;
 * - `GET /stream-live/:key` the stream route, failing with `live(key)`;
 * - `GET /limited`      the framework's usual rate limiter, one request per minute, then `ok`;
 * - `GET /limited-throw` the same limiter configured to throw/forward its 429 as an error;
 * - `POST /json`        the framework's usual JSON body parsing (a 1 kB limit, Nest's own defaults on
 *   Nest), answers `ok`.
 */
export interface AppSpec {
  readonly four29: Four29Options | undefined;
  error(key: string): unknown;
  live?(key: string): Promise<unknown>;
  /**
   * When set, the app ends with its own last-resort error handler (Express: error middleware after
   * four29; Koa: the outermost middleware; Hono: the adapter's `fallback`, or `onError` without
   * four29) that reports what reached it and answers `500 fallback` without touching the value.
   * Nest has no such hook: tests spy on BaseExceptionFilter instead.
   */
  readonly fallback?: (error: unknown) => void;
  /** Where a framework with its own logger (Nest) writes, one JSON line per call. Silent when absent. */
  readonly log?: (line: string) => void;
}

export interface RunningApp {
  /** Base URL of the real socket on 127.0.0.1. */
  readonly url: string;
  /** One request over a real TCP connection. */
  request(path: string, init?: RequestInit): Promise<RawResponse>;
  /** The same request through the app's real http.Server without a socket (see injectRequest). */
  inject(path: string, init?: RequestInit): Promise<RawResponse>;
  close(): Promise<void>;
}

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
  start(spec: AppSpec): Promise<RunningApp>;
}

/** A RunningApp for a listening Node server; `close` defaults to closing the server. */
export async function running(server: Server, close?: () => Promise<void>): Promise<RunningApp> {
  const url = await listen(server);
  return {
    url,
    request: (path, init) => rawRequest(url, path, init),
    inject: (path, init) => injectRequest(server, path, init),
    close: close ?? (() => closeServer(server)),
  };
}
