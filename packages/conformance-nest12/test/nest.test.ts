import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCases, defineConformanceSuite } from '@four29/conformance';
import { nestTargets } from '@four29/conformance/nest';
import { Four29Module, UpstreamErrorFilter } from '@four29/nest';
import * as common from '@nestjs/common';
import { BaseExceptionFilter, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ThrottlerException } from '@nestjs/throttler';
import { describe, expect, it } from 'vitest';

const MAJOR = 12;

/** The version of `pkg` as Node resolves it from `from` (a file path). */
function versionFrom(from: string, pkg: string): string {
  const require = createRequire(from);
  let dir = dirname(require.resolve(pkg));
  while (!dir.endsWith(join('node_modules', pkg))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
}

describe(`@four29/nest runs against Nest ${MAJOR}`, () => {
  it('resolves @nestjs/core from this package, not the adapter’s own dev copy', () => {
    const adapterEntry = createRequire(import.meta.url).resolve('@four29/nest');
    expect(versionFrom(import.meta.url, '@nestjs/core').split('.')[0]).toBe(String(MAJOR));
    expect(versionFrom(adapterEntry, '@nestjs/core').split('.')[0]).toBe(String(MAJOR));
    expect(versionFrom(adapterEntry, '@nestjs/common').split('.')[0]).toBe(String(MAJOR));
  });

  it('loads the adapter as built now, not a stale injected copy', () => {
    // pnpm copies an injected workspace package at install time and re-copies it only after
    // `pnpm run build` (syncInjectedDepsAfterScripts): a dist built any other way goes unseen.
    const injected = dirname(createRequire(import.meta.url).resolve('@four29/nest'));
    const built = fileURLToPath(new URL('../../nest/dist', import.meta.url));
    for (const file of ['index.js', 'index.cjs']) {
      expect(
        readFileSync(join(injected, file), 'utf8') === readFileSync(join(built, file), 'utf8'),
        `stale injected @four29/nest/dist/${file}: run \`pnpm --filter @four29/nest run build\``,
      ).toBe(true);
    }
  });

  it('extends the very BaseExceptionFilter class the app’s @nestjs/core exports', () => {
    // Two copies of @nestjs/core would make HttpAdapterHost a different DI token: no bootstrap.
    expect(Object.getPrototypeOf(UpstreamErrorFilter)).toBe(BaseExceptionFilter);
  });
});

const cases = await buildCases();
const targets = nestTargets({
  label: `nest${MAJOR}`,
  common,
  NestFactory,
  Four29Module,
  ThrottlerException,
  platforms: { express: () => new ExpressAdapter(), fastify: () => new FastifyAdapter() },
});

defineConformanceSuite({ cases, targets, passthrough: targets });
