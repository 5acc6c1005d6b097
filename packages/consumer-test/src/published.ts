/**
 * The published packages and what the consumer project installs next to them. Versions are pinned
 * (not ranges) so a new upstream release cannot break CI overnight; every one runs on Node 20.
 */

export interface PublishedPackage {
  /** npm name, e.g. `@four29/express`. */
  readonly name: string;
  /** Directory under `packages/`. */
  readonly dir: string;
  /** Consumer app files are named after this (`consumer/apps/<app>.cjs|.mjs`, `consumer/types/<app>.ts`). */
  readonly app: string;
  /**
   * `core` has no dependencies at all. Everything else builds on the core and must import it,
   * never inline a copy of it; an `adapter` also names its framework as a peer dependency. A
   * `store` builds on `@four29/resilience` (its types only) and names the clients it accepts as
   * optional peer dependencies. `telemetry` builds on the core and names `@opentelemetry/api` as a
   * peer dependency, the one the application's OpenTelemetry SDK uses.
   */
  readonly role: 'core' | 'adapter' | 'library' | 'store' | 'telemetry';
}

export const PUBLISHED: readonly PublishedPackage[] = [
  { name: '@four29/core', dir: 'core', app: 'core', role: 'core' },
  { name: '@four29/express', dir: 'express', app: 'express', role: 'adapter' },
  { name: '@four29/koa', dir: 'koa', app: 'koa', role: 'adapter' },
  { name: '@four29/hono', dir: 'hono', app: 'hono', role: 'adapter' },
  { name: '@four29/nest', dir: 'nest', app: 'nest', role: 'adapter' },
  { name: '@four29/resilience', dir: 'resilience', app: 'resilience', role: 'library' },
  { name: '@four29/fastify', dir: 'fastify', app: 'fastify', role: 'adapter' },
  { name: '@four29/redis', dir: 'redis', app: 'redis', role: 'store' },
  { name: '@four29/otel', dir: 'otel', app: 'otel', role: 'telemetry' },
];

/**
 * Real frameworks and clients the consumer project installs from the registry. Newest majors that
 * run on Node 20: openai 7 needs Node 22; Nest 12 is ESM-only, which a CommonJS consumer on
 * `module: node16` cannot import, so the typical Nest 11 app is the one checked here.
 */
export const CONSUMER_DEPENDENCIES: Readonly<Record<string, string>> = {
  express: '5.3.0',
  '@types/express': '5.0.6',
  koa: '3.3.0',
  '@types/koa': '3.0.3',
  hono: '4.13.19',
  '@hono/node-server': '1.19.19',
  fastify: '5.12.8',
  '@nestjs/common': '11.2.10',
  '@nestjs/core': '11.2.10',
  '@nestjs/platform-express': '11.2.10',
  '@nestjs/platform-fastify': '11.2.8',
  'reflect-metadata': '0.2.2',
  rxjs: '7.8.2',
  openai: '6.49.0',
  '@anthropic-ai/sdk': '0.60.0',
  ioredis: '5.11.1',
  redis: '5.12.4',
  '@opentelemetry/api': '1.10.0',
  '@opentelemetry/sdk-metrics': '3.1.1',
  typescript: '5.9.3',
  '@types/node': '20.19.43',
};
