// Test helpers shared by the Express, Koa and Hono adapter tests (source only: vitest compiles it).
import { createServer, type RequestListener, type Server } from 'node:http';
import {
  createUpstreamErrorHandler,
  type Four29Logger,
  type Four29Options,
  type HandledUpstreamError,
  type LogContext,
  UpstreamHttpError,
} from '@four29/core';
import { FIXTURE_NOW, fixtureById, type RecordedResponse } from '@four29/fixtures';
import { expect } from 'vitest';
import { close, listen } from './net.js';

export { close, FIXTURE_NOW, listen };

export interface LoggedRecord {
  level: 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export function testLogger(): { logger: Four29Logger; records: LoggedRecord[] } {
  const records: LoggedRecord[] = [];
  return {
    records,
    logger: {
      warn: (obj, msg) => records.push({ level: 'warn', obj, msg }),
      error: (obj, msg) => records.push({ level: 'error', obj, msg }),
    },
  };
}

export function recorded(id: string): RecordedResponse {
  return fixtureById(id).respond(FIXTURE_NOW);
}

/** The fixture thrown the way code calling `fetch` directly throws it. */
export function upstreamHttpError(id: string): UpstreamHttpError {
  const r = recorded(id);
  return new UpstreamHttpError({ status: r.status, headers: r.headers, body: r.body });
}

/** The fixture thrown as a plain `{ status, headers, body }` descriptor (custom fetch wrappers). */
export function descriptor(id: string): { status: number; headers: unknown; body: unknown } {
  const r = recorded(id);
  return { status: r.status, headers: r.headers, body: r.body };
}

/** What core renders for `error`, independently of any framework: the bytes every adapter must send. */
export function expectedFor(
  error: unknown,
  options: Four29Options = {},
  context?: LogContext,
): HandledUpstreamError {
  const handled = createUpstreamErrorHandler({ now: () => FIXTURE_NOW, ...options, logger: false })(
    error,
    context,
  );
  expect(handled, 'core classifies this error as an upstream error').not.toBeNull();
  return handled!;
}

/** A local stand-in for an upstream API that replays a fixture, for tests with the real SDKs. */
export async function replayUpstream(id: string): Promise<{ url: string; server: Server }> {
  const r = recorded(id);
  const listener: RequestListener = (req, res) => {
    req.resume();
    res.writeHead(r.status, r.headers);
    res.end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  };
  const server = createServer(listener).listen(0, '127.0.0.1');
  return { url: await listen(server), server };
}

/** Status, headers minus per-connection ones, and body: what "answers exactly alike" compares. */
export async function snapshot(
  res: Response,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const headers: Record<string, string> = {};
  for (const [k, v] of res.headers) if (k !== 'date' && k !== 'keep-alive') headers[k] = v;
  return { status: res.status, headers, body: await res.text() };
}

/** What a client must never see from four29: upstream ids, keys, raw messages, upstream limits. */
export function expectNothingLeaked(body: string, headers: Headers): void {
  for (const secret of ['org-', 'proj_', 'sk-', 'req_', '00000000-0000', 'Rate limit reached']) {
    expect(body).not.toContain(secret);
  }
  for (const name of headers.keys()) {
    expect(name).not.toMatch(/ratelimit|request-id|openai|anthropic/);
  }
}

/**
 * Thrown values that are not upstream errors and fight back when read: every adapter must hand them
 * to its framework untouched and keep serving. Adapters add the values their framework treats
 * specially (Express reads a thrown `null` as "no error").
 */
export function hostileThrownValues(): [string, unknown][] {
  const trap = () => {
    throw new Error('trap');
  };
  const circular: Record<string, unknown> = { name: 'Weird' };
  circular.self = circular;
  return [
    [
      'a Proxy that throws on every trap',
      new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap }),
    ],
    [
      'an object whose getters throw',
      Object.defineProperties({}, { status: { get: trap }, headers: { get: trap } }),
    ],
    ['a circular object', circular],
  ];
}
