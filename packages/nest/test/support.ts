import 'reflect-metadata';
import {
  createUpstreamErrorHandler,
  type Four29Logger,
  type Four29Options,
  type HandleContext,
  type HandledUpstreamError,
  UpstreamHttpError,
} from '@four29/core';
import { FIXTURE_NOW, fixtureById } from '@four29/fixtures';
import type { INestApplication, LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

export interface Running {
  readonly app: INestApplication;
  readonly url: string;
  close(): Promise<void>;
}

export function adapterFor(platform: Platform): ExpressAdapter | FastifyAdapter {
  return platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
}

/** A real Nest app on a real socket on 127.0.0.1. */
export async function start(
  platform: Platform,
  module: Type,
  options: { logger?: LoggerService | false; setup?: (app: INestApplication) => void } = {},
): Promise<Running> {
  const app = await NestFactory.create(module, adapterFor(platform), {
    logger: options.logger ?? false,
    abortOnError: false,
  });
  options.setup?.(app);
  return listen(app);
}

export async function listen(app: INestApplication): Promise<Running> {
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export interface Captured {
  readonly level: 'warn' | 'error';
  readonly obj: Record<string, unknown>;
  readonly msg: string | undefined;
}

/** A pino-style logger that records what four29 logs. */
export function recordingLogger(): Four29Logger & { readonly records: Captured[] } {
  const records: Captured[] = [];
  return {
    records,
    warn: (obj, msg) => records.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => records.push({ level: 'error', obj, msg }),
  };
}

/**
 * Options every test app uses: a fixed clock so Retry-After and reset times are stable, and every
 * record logged (no storm suppression) so each test sees its own.
 */
export function testOptions(extra: Four29Options = {}): Four29Options {
  return { now: () => FIXTURE_NOW, logSuppression: false, ...extra };
}

/** The response as a fixture's provider sent it. */
export function recorded(id: string) {
  return fixtureById(id).respond(FIXTURE_NOW);
}

/** What the core answers for an error, computed without any framework: the adapter must send exactly this. */
export function expected(
  error: unknown,
  context?: HandleContext,
  options: Four29Options = {},
): HandledUpstreamError {
  const handled = createUpstreamErrorHandler(testOptions({ ...options, logger: false }))(
    error,
    context,
  );
  if (handled === null) throw new Error('the core did not classify the test error');
  return handled;
}

/** Thrown errors, by name, so one controller serves every test. */
export const ERRORS: Record<string, () => unknown> = {
  'openai-tokens': () =>
    new UpstreamHttpError({ ...recorded('openai.rate_limit.tokens'), provider: 'openai' }),
  // A plain descriptor, as custom fetch wrappers throw them.
  'anthropic-overloaded': () => ({ ...recorded('anthropic.overloaded') }),
  'openai-quota': () =>
    new UpstreamHttpError({ ...recorded('openai.insufficient_quota'), provider: 'openai' }),
  'google-rpm': () =>
    new UpstreamHttpError({ ...recorded('google.rate_limit.requests_per_minute') }),
};

export function upstreamError(name: string): unknown {
  const make = ERRORS[name];
  if (make === undefined) throw new Error(`unknown test error ${name}`);
  return make();
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

export async function get(url: string, init?: RequestInit): Promise<Reply> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** Headers that differ between any two responses (clock, connection) or between platforms by design. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'x-powered-by', 'transfer-encoding']);

export function stableHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!VOLATILE.has(name)) out[name] = value;
  });
  return out;
}
