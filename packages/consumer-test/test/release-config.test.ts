import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../src/paths.js';
import { PUBLISHED } from '../src/published.js';

/** The release wiring is configuration nobody runs until release day: these checks run it now. */

const text = (path: string) => readFile(join(REPO_ROOT, path), 'utf8');
const json = async (path: string) => JSON.parse(await text(path)) as Record<string, unknown>;

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { steps: Step[]; permissions?: Record<string, string> }>;
}
const workflow = async (name: string) => parse(await text(`.github/workflows/${name}`)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);

describe('root scripts', () => {
  it('wire changesets and the package checks', async () => {
    const scripts = (await json('package.json')).scripts as Record<string, string>;
    expect(scripts.changeset).toBe('changeset');
    expect(scripts['version-packages']).toBe('changeset version');
    expect(scripts['check:packages']).toBe('turbo run check:packages');
    // Build (and check) first, publish last, and only if the first part succeeded.
    expect(scripts.release).toMatch(/^turbo run build\b.* && changeset publish$/);
  });

  it('turbo knows check:packages and builds before it', async () => {
    const turbo = (await json('turbo.json')).tasks as Record<string, { dependsOn?: string[] }>;
    expect(turbo['check:packages']?.dependsOn).toContain('build');
  });
});

describe.each(PUBLISHED.map((p) => [p.name, p] as const))('%s source tree', (_name, pkg) => {
  it('runs publint --strict and attw on its packed tarball as check:packages', async () => {
    const scripts = (await json(`packages/${pkg.dir}/package.json`)).scripts as Record<
      string,
      string
    >;
    expect(scripts['check:packages']).toMatch(/\bpublint --strict\b/);
    expect(scripts['check:packages']).toMatch(/\battw --pack \./);
  });

  it('has its own copy of the MIT LICENSE (npm publish would not add the root one)', async () => {
    expect(await text(`packages/${pkg.dir}/LICENSE`)).toBe(await text('LICENSE'));
  });
});

describe('changesets config', () => {
  it('releases the published packages as one fixed group, publicly, from main', async () => {
    const config = await json('.changeset/config.json');
    expect(config.fixed).toEqual([PUBLISHED.map((p) => p.name)]);
    expect(config.access).toBe('public');
    expect(config.baseBranch).toBe('main');
    expect(config.privatePackages).toEqual({ version: false, tag: false });
  });
});

describe('CI', () => {
  it('.ci/run checks the packages after the tests', async () => {
    const lines = (await text('.ci/run')).split('\n').map((l) => l.trim());
    const test = lines.indexOf('pnpm test');
    const check = lines.indexOf('pnpm check:packages');
    expect(test).toBeGreaterThan(-1);
    expect(check).toBeGreaterThan(test);
  });

  it('ci.yml runs .ci/run on Node 20 for pushes to main and pull requests', async () => {
    const ci = await workflow('ci.yml');
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    const all = steps(ci);
    expect(all.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']).toBe(
      20,
    );
    expect(all.some((s) => s.run === 'bash .ci/run')).toBe(true);
  });
});

describe('release.yml', () => {
  it('publishes from main with the permissions provenance needs', async () => {
    const release = await workflow('release.yml');
    expect(release.on).toEqual({ push: { branches: ['main'] } });
    expect(release.permissions).toEqual({
      contents: 'write',
      'pull-requests': 'write',
      'id-token': 'write',
    });
  });

  it('runs the CI gate, then changesets/action with the root scripts and provenance on', async () => {
    const all = steps(await workflow('release.yml'));
    const gate = all.findIndex((s) => s.run === 'bash .ci/run');
    const action = all.findIndex((s) => s.uses?.startsWith('changesets/action@'));
    expect(gate).toBeGreaterThan(-1);
    expect(action).toBeGreaterThan(gate);
    const step = all[action];
    expect(step?.with).toMatchObject({ version: 'pnpm version-packages', publish: 'pnpm release' });
    expect(step?.env).toMatchObject({
      NPM_CONFIG_PROVENANCE: true,
      GITHUB_TOKEN: expect.stringMatching(/^\$\{\{\s*secrets\.GITHUB_TOKEN\s*\}\}$/),
      NPM_TOKEN: expect.stringMatching(/^\$\{\{\s*secrets\.NPM_TOKEN\s*\}\}$/),
    });
    expect(all.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']).toBe(
      20,
    );
  });
});
