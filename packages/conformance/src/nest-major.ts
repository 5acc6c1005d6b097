import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedFor, FIXTURE_NOW, upstreamHttpError } from '@four29/test-kit';
import { type NestKit, nestTargets } from '@four29/test-kit/targets';
import { describe, expect, it } from 'vitest';
import { buildCases } from './cases.js';
import { defineConformanceSuite } from './harness.js';

export interface NestMajorSuite extends Omit<NestKit, 'label' | 'common'> {
  readonly common: NestKit['common'] & { Sse(path?: string): MethodDecorator };
  readonly major: number;
  /** The calling test file's `import.meta.url`: module resolution must start in its package. */
  readonly from: string;
  /** That major's `BaseExceptionFilter` and four29's filter as the package resolves them. */
  readonly BaseExceptionFilter: unknown;
  readonly UpstreamErrorFilter: unknown;
}

/** The version of `pkg` as Node resolves it from `from` (a file path or URL). */
function versionFrom(from: string, pkg: string): string {
  const require = createRequire(from);
  let dir = dirname(require.resolve(pkg));
  while (!dir.endsWith(join('node_modules', pkg))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/**
 * The whole suite for one Nest major, called from the package that installs that major
 * (`packages/conformance-nest*`, where `@four29/nest` is injected so it resolves that major's
 * `@nestjs/*`). First proves the adapter really runs against that major, then runs every case.
 */
export async function defineNestMajorSuite(suite: NestMajorSuite): Promise<void> {
  const { major, from } = suite;
  describe(`@four29/nest runs against Nest ${major}`, () => {
    it('resolves @nestjs/core from this package, not the adapter’s own dev copy', () => {
      const adapterEntry = createRequire(from).resolve('@four29/nest');
      expect(versionFrom(from, '@nestjs/core').split('.')[0]).toBe(String(major));
      expect(versionFrom(adapterEntry, '@nestjs/core').split('.')[0]).toBe(String(major));
      expect(versionFrom(adapterEntry, '@nestjs/common').split('.')[0]).toBe(String(major));
    });

    it('loads the adapter as built now, not a stale injected copy', () => {
      // pnpm copies an injected workspace package at install time and re-copies it only after
      // `pnpm run build` (syncInjectedDepsAfterScripts): a dist built any other way goes unseen.
      const injected = dirname(createRequire(from).resolve('@four29/nest'));
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
      expect(Object.getPrototypeOf(suite.UpstreamErrorFilter)).toBe(suite.BaseExceptionFilter);
    });
  });

  describe(`@Sse() on Nest ${major}`, () => {
    it.each(['express', 'fastify'] as const)(
      'ends a stream failing after its first event with the problem event (%s)',
      async (platform) => {
        const url = await startSseApp(suite, platform);
        try {
          const error = upstreamHttpError('openai.rate_limit.tokens');
          const res = await fetch(`${url.href}sse`, { signal: AbortSignal.timeout(5000) });
          expect(res.headers.get('content-type')).toBe('text/event-stream');
          const events = (await res.text()).split('\n\n').filter((e) => e !== '');
          expect(events).toHaveLength(2);
          // Nest numbers each event with an `id:` line; the rest is core's event.
          expect(`${events[1]?.replace(/^id: \d+\n/m, '')}\n\n`).toBe(expectedFor(error).sse);
        } finally {
          await url.close();
        }
      },
    );
  });

  const cases = await buildCases();
  const nest = nestTargets({ ...suite, label: `nest${major}` });
  const targets = [nest.express, nest.fastify];
  defineConformanceSuite({ cases, targets, passthrough: targets });
}

interface Rx {
  concat(...sources: unknown[]): unknown;
  of(value: unknown): unknown;
  throwError(make: () => unknown): unknown;
}

/** A Nest app of this major with one `@Sse()` route that fails after one event, four29 imported. */
async function startSseApp(
  suite: NestMajorSuite,
  platform: 'express' | 'fastify',
): Promise<{ href: string; close(): Promise<void> }> {
  // The rxjs this major's @nestjs/core loads: Nest tells an Observable by its class.
  const core = createRequire(suite.from).resolve('@nestjs/core');
  const rx = createRequire(core)('rxjs') as Rx;
  const { Controller, Module, Sse } = suite.common;
  @Controller()
  class SseController {
    @Sse('sse')
    sse(): unknown {
      return rx.concat(
        rx.of({ data: { token: 'Hel' } }),
        rx.throwError(() => upstreamHttpError('openai.rate_limit.tokens')),
      );
    }
  }
  @Module({
    imports: [suite.Four29Module.forRoot({ now: () => FIXTURE_NOW, logger: false })],
    controllers: [SseController],
  })
  class SseModule {}
  const app = await suite.NestFactory.create(SseModule, suite.platforms[platform](), {
    logger: false,
    abortOnError: false,
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { href: `http://127.0.0.1:${address.port}/`, close: () => app.close() };
}
