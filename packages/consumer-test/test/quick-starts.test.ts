/**
 * Every quick start of every published README, as pasted: the marked code blocks are written into
 * the consumer project (the packed tarballs and real frameworks installed once, see global-setup),
 * pointed at the mock upstream only through the environment variables the SDKs read
 * (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`) and `PORT`, run with node, and hit over loopback.
 */
import { type MockUpstream, startMockUpstream } from '@four29/mock-upstream';
import { type RedisServer, startRedisServer } from '@four29/test-kit/redis-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runQuickStart } from '../src/quick-start-run.js';
import { parseQuickStarts, readQuickStarts } from '../src/quick-starts.js';

const project = inject('project');
const readmes = await readQuickStarts();

/** Keys in the format of real ones: they must never reach a client. */
const OPENAI_KEY = 'sk-proj-quickstartTEST000000000000000000000000000';
const ANTHROPIC_KEY = 'sk-ant-api03-quickstartTEST0000000000000000000000';

let mock: MockUpstream | undefined;
let redis: RedisServer | undefined;

beforeAll(async () => {
  mock = await startMockUpstream();
  redis = await startRedisServer();
});

afterAll(async () => {
  await mock?.close();
  await redis?.stop();
});

function envFor(m: MockUpstream, scenario: string): NodeJS.ProcessEnv {
  return {
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: `${m.url}/scenario/${scenario}/v1`,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: `${m.url}/scenario/${scenario}`,
    REDIS_URL: redis?.url ?? '',
  };
}

describe('the quick-start markers', () => {
  it('finds the root README and every published package', () => {
    const names = readmes.map((r) => r.readme);
    for (const pkg of inject('packed')) {
      expect(names).toContain(`packages/${pkg.name.replace('@four29/', '')}/README.md`);
    }
    expect(names).toContain('README.md');
  });

  it.each(readmes.map((r) => [r.readme, r] as const))('%s marks a quick start', (_, r) => {
    expect(r.problems).toEqual([]);
    expect(r.apps.length > 0 || r.none !== undefined).toBe(true);
  });

  it('a README without a marked quick start is an error, unless it says why', () => {
    expect(parseQuickStarts('x', '# x\n\n```js\nconsole.log(1)\n```\n').problems).toHaveLength(1);
    expect(parseQuickStarts('x', '<!-- quick-start none: a CLI -->').problems).toEqual([]);
    expect(parseQuickStarts('x', '<!-- quick-start file=a.mjs -->\ntext\n').problems[0]).toMatch(
      /needs file=… and a code block/,
    );
    const nest = parseQuickStarts(
      'x',
      [
        '<!-- quick-start file=app.ts group=a,b -->\n```ts\nA\n```',
        '<!-- quick-start file=main.ts group=a -->\n```ts\nMA\n```',
        '<!-- quick-start file=main.ts group=b -->\n```ts\nMB\n```',
      ].join('\n\n'),
    );
    expect(nest.problems).toEqual([]);
    expect(nest.apps.map((a) => [a.name, a.entry, [...a.files.values()]])).toEqual([
      ['x#a', 'main.ts', ['A\n', 'MA\n']],
      ['x#b', 'main.ts', ['A\n', 'MB\n']],
    ]);
  });
});

const apps = readmes.flatMap((r) => r.apps);

describe('each quick start, as pasted, against the mock upstream', () => {
  it.each(apps.map((a) => [a.name, a] as const))('%s', async (_, app) => {
    const m = mock as MockUpstream;
    m.reset();
    const run = await runQuickStart(project, app, envFor(m, app.scenario));
    const upstream = m.requests.length;
    if (app.run === 'script') {
      expect(run.exitCode, run.output).toBe(0);
      if (app.scenario === 'insufficient_quota') expect(run.output).toContain('quota_exhausted');
    } else {
      expect(run.status, run.output).toBe(503);
      expect(run.contentType).toBe('application/problem+json');
      const problem = JSON.parse(run.body ?? '') as { kind?: unknown; retryable?: unknown };
      expect(problem).toMatchObject({ kind: 'quota_exhausted', retryable: false });
      expect(run.body).not.toContain(OPENAI_KEY);
      expect(run.body).not.toContain(ANTHROPIC_KEY);
      expect(run.body).not.toContain('sk-');
    }
    expect(run.output).not.toContain(OPENAI_KEY);
    expect(run.output).not.toContain(ANTHROPIC_KEY);
    // The retry guard in the quick start: an exhausted quota costs one upstream request, not three.
    expect(upstream, run.output).toBe(1);
  });
});
