import { readFile } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { type RedisServer, startRedisServer } from '@four29/test-kit/redis-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AppAnswer, requestThroughApp } from '../src/app-process.js';
import { cleanEnv } from '../src/consumer-project.js';
import { exec } from '../src/exec.js';
import { tsc } from '../src/tsc.js';
import { type FakeUpstream, startFakeUpstream, UPSTREAM_FIXTURE } from '../src/upstream.js';

const packed = inject('packed');
const names = packed.map((p) => p.name);

/** What each package must export at runtime, from require() and import alike. */
const EXPECTED_EXPORTS: Readonly<Record<string, readonly string[]>> = {
  '@four29/core': ['createUpstreamErrorHandler', 'classify', 'toProblem', 'UpstreamHttpError'],
  '@four29/express': ['upstreamErrorHandler'],
  '@four29/koa': ['upstreamErrorHandler'],
  '@four29/hono': ['upstreamErrorHandler', 'upstreamSSEErrorHandler'],
  '@four29/nest': ['Four29Module', 'UpstreamErrorFilter', 'FOUR29_OPTIONS'],
  '@four29/resilience': ['withRetry', 'createQuotaBreaker', 'createPacedFetch', 'createRetryGuard'],
  '@four29/redis': ['createRedisStore'],
  '@four29/otel': ['four29Otel', 'GEN_AI_PROVIDER_NAMES'],
};

/** A fake key in the format of a real one: it must never reach a client or a log line. */
const API_KEY = 'sk-proj-consumerTEST0000000000000000000000000000';

const project = inject('project');
let upstream: FakeUpstream | undefined;
// The @four29/redis app shares its state through a real Redis.
let redis: RedisServer | undefined;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  redis = await startRedisServer();
});

afterAll(async () => {
  await upstream?.close();
  await redis?.stop();
});

const node = (args: string[]) => exec(process.execPath, args, { cwd: project, env: cleanEnv() });

it('installs exactly one copy of each @four29 package, from the packed tarballs', async () => {
  const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; resolved?: string }>;
  };
  for (const pkg of packed) {
    const copies = Object.keys(lock.packages).filter((path) =>
      path.endsWith(`node_modules/${pkg.name}`),
    );
    expect(copies).toEqual([`node_modules/${pkg.name}`]);
    const entry = lock.packages[`node_modules/${pkg.name}`];
    expect(entry?.version).toBe(pkg.version);
    expect(entry?.resolved).toMatch(
      new RegExp(`^file:.*${basename(pkg.tarball).replaceAll('.', '\\.')}$`),
    );
  }
});

it('npm sees no missing or invalid (peer) dependency in the tree', async () => {
  // `npm ls` exits non-zero on a peer range our adapters declare that the real frameworks miss.
  await expect(
    exec('npm', ['ls', '--all'], { cwd: project, env: cleanEnv() }),
  ).resolves.toBeDefined();
});

it('the consumer project cannot see workspace-only packages', async () => {
  // The guard for the whole test: if @four29/fixtures (private, never published) resolved here, so
  // would any other dependency that only exists in the monorepo.
  const probe =
    "try { require.resolve('@four29/fixtures'); console.log('visible') } catch { console.log('isolated') }";
  expect((await node(['-e', probe])).stdout.trim()).toBe('isolated');
  const esmProbe =
    "import('@four29/fixtures').then(() => console.log('visible'), () => console.log('isolated'))";
  expect((await node(['--input-type=module', '-e', esmProbe])).stdout.trim()).toBe('isolated');
});

describe('loading', () => {
  type Loaded = Record<string, { file: string; exports: string[] }>;
  let cjs: Loaded;
  let esm: Loaded;

  beforeAll(async () => {
    cjs = JSON.parse((await node(['load.cjs', ...names])).stdout) as Loaded;
    esm = JSON.parse((await node(['load.mjs', ...names])).stdout) as Loaded;
  });

  it.each(names)('%s: require() gets the CommonJS build from the installed package', (name) => {
    expect(cjs[name]?.file).toBe(
      join(project, 'node_modules', ...name.split('/'), 'dist', 'index.cjs'),
    );
  });

  it.each(names)('%s: import gets the ESM build from the installed package', (name) => {
    expect(esm[name]?.file).toBe(
      join(project, 'node_modules', ...name.split('/'), 'dist', 'index.js'),
    );
  });

  it.each(names)('%s: both builds export the same names, including the documented API', (name) => {
    expect(cjs[name]?.exports).toEqual(esm[name]?.exports);
    for (const exported of EXPECTED_EXPORTS[name] ?? [])
      expect(esm[name]?.exports).toContain(exported);
  });

  it('no build resolves outside the consumer project', () => {
    for (const loaded of [cjs, esm]) {
      for (const { file } of Object.values(loaded))
        expect(file.startsWith(`${project}${sep}`)).toBe(true);
    }
  });
});

describe('types', () => {
  const check = async (config: string) => {
    const { ours, theirs } = await tsc(
      project,
      join('node_modules', 'typescript', 'bin', 'tsc'),
      config,
    );
    if (theirs.length > 0)
      console.info(`${config}: errors in other packages' types:\n${theirs.join('\n')}`);
    expect(ours).toEqual([]);
  };

  it('type-check under module/moduleResolution node16 (.mts via import, .cts via require)', () =>
    check('tsconfig.node16.json'));

  it('type-check under moduleResolution bundler', () => check('tsconfig.bundler.json'));
});

describe.each(packed.map((p) => [p.name, p.app] as const))('%s app', (_name, app) => {
  const expectProblem = (answer: AppAnswer) => {
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 503, kind: 'rate_limited', retryable: true });
    // The fixture's x-ratelimit-reset-requests is 20s.
    expect(answer.headers.get('retry-after')).toBe('20');
    // Nothing of the upstream's own answer leaks: no rate-limit headers, ids or message.
    for (const name of answer.headers.keys()) expect(name).not.toMatch(/^x-ratelimit|^openai-/);
    expect(answer.body).not.toContain('org-FAKEorg0000');
    expect(answer.body).not.toContain('Rate limit reached for');
    expect(answer.body).not.toContain(API_KEY);
    // The default logger wrote the record for the operator, and not the key.
    expect(answer.output).toContain('four29.upstream_error');
    expect(answer.output).not.toContain(API_KEY);
  };

  it.each(['cjs', 'mjs'])(`turns an upstream 429 into a 503 problem response (%s)`, async (ext) => {
    const before = upstream!.hits();
    const answer = await requestThroughApp(
      project,
      join('apps', `${app}.${ext}`),
      cleanEnv({ UPSTREAM_URL: upstream!.url, OPENAI_API_KEY: API_KEY, REDIS_URL: redis!.url }),
    );
    expect(upstream!.hits() - before).toBe(1);
    expectProblem(answer);
    if (app === 'otel')
      expect(answer.output).toContain(
        'OTEL four29.upstream.errors {"error.type":"rate_limit_exceeded","four29.kind":"rate_limited","four29.provider":"openai","gen_ai.provider.name":"openai","http.response.status_code":503} 1',
      );
  });
});

it('the fake upstream really answers the recorded 429', () => {
  expect(UPSTREAM_FIXTURE.respond(Date.now()).status).toBe(429);
});
