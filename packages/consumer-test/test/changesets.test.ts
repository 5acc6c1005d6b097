import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exec } from '../src/exec.js';
import { REPO_ROOT } from '../src/paths.js';
import { PUBLISHED } from '../src/published.js';

/**
 * `changeset version` rewrites package.json files and writes changelogs, so it runs on a copy of
 * the workspace's manifests and changeset config in a temp dir, never in the working tree.
 */

const SAMPLE = 'consumer-test-sample-release';
const NOTE = 'Sample release note written by the consumer-test release check.';

let root = '';
const manifests = new Map<string, Record<string, unknown>>();
const privateDirs: string[] = [];

async function json(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

/** `0.1.0` → [0, 1, 0]; pre-release tags are not used in this repo. */
const parts = (v: string) => v.split('.').map((n) => Number.parseInt(n, 10));
const greater = (a: string, b: string) => {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'four29-changesets-'));
  for (const file of ['package.json', 'pnpm-workspace.yaml']) {
    await cp(join(REPO_ROOT, file), join(root, file));
  }
  await mkdir(join(root, '.changeset'));
  // The real pending changesets come along: a broken one (unknown package, bad bump) fails here.
  for (const file of await readdir(join(REPO_ROOT, '.changeset'))) {
    if (file === 'config.json' || (file.endsWith('.md') && file !== 'README.md')) {
      await cp(join(REPO_ROOT, '.changeset', file), join(root, '.changeset', file));
    }
  }
  for (const group of ['packages', 'apps']) {
    if (!existsSync(join(REPO_ROOT, group))) continue;
    for (const dir of await readdir(join(REPO_ROOT, group))) {
      const manifest = join(REPO_ROOT, group, dir, 'package.json');
      if (!existsSync(manifest)) continue;
      await mkdir(join(root, group, dir), { recursive: true });
      await cp(manifest, join(root, group, dir, 'package.json'));
      const data = await json(manifest);
      manifests.set(`${group}/${dir}`, data);
      if (data.private === true) privateDirs.push(`${group}/${dir}`);
    }
  }
  // The changelog generator named in config.json resolves from the workspace's node_modules.
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  await writeFile(
    join(root, '.changeset', `${SAMPLE}.md`),
    `---\n'@four29/core': minor\n---\n\n${NOTE}\n`,
  );
  await exec(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/@changesets/cli/bin.js'), 'version'],
    {
      cwd: root,
      env: { ...process.env, CI: 'true' },
    },
  );
});

afterAll(async () => {
  if (root !== '') await rm(root, { recursive: true, force: true });
});

it('copies all five published packages and some private ones', () => {
  for (const pkg of PUBLISHED) expect(manifests.has(`packages/${pkg.dir}`)).toBe(true);
  expect(privateDirs.length).toBeGreaterThan(0);
});

it('bumps all five published packages together to one new version', async () => {
  const versions = new Set<string>();
  for (const pkg of PUBLISHED) {
    const before = manifests.get(`packages/${pkg.dir}`)?.version as string;
    const after = (await json(join(root, 'packages', pkg.dir, 'package.json'))).version as string;
    expect(greater(after, before), `${pkg.name}: ${before} → ${after}`).toBe(true);
    versions.add(after);
  }
  expect([...versions]).toHaveLength(1);
});

it('a minor changeset on the core alone moves the whole fixed group at least one minor', async () => {
  const [bMajor = 0, bMinor = 0] = parts(manifests.get('packages/core')?.version as string);
  for (const pkg of PUBLISHED) {
    const after = (await json(join(root, 'packages', pkg.dir, 'package.json'))).version as string;
    const [aMajor = 0, aMinor = 0] = parts(after);
    expect(aMajor > bMajor || (aMajor === bMajor && aMinor > bMinor), `${pkg.name} ${after}`).toBe(
      true,
    );
  }
});

it('writes a CHANGELOG.md with the new version for every published package', async () => {
  const version = (await json(join(root, 'packages/core/package.json'))).version as string;
  for (const pkg of PUBLISHED) {
    const changelog = await readFile(join(root, 'packages', pkg.dir, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(
      new RegExp(`^# ${pkg.name}\\n\\n## ${version.replaceAll('.', '\\.')}\\n`),
    );
  }
  expect(await readFile(join(root, 'packages/core/CHANGELOG.md'), 'utf8')).toContain(NOTE);
});

it('keeps the packages built on the core on workspace:^ for the core (pnpm pack turns it into the new range)', async () => {
  for (const pkg of PUBLISHED.filter((p) => p.role !== 'core' && p.role !== 'store')) {
    const manifest = await json(join(root, 'packages', pkg.dir, 'package.json'));
    expect((manifest.dependencies as Record<string, string>)['@four29/core']).toBe('workspace:^');
  }
});

it('keeps the stores on workspace:^ for @four29/resilience', async () => {
  for (const pkg of PUBLISHED.filter((p) => p.role === 'store')) {
    const manifest = await json(join(root, 'packages', pkg.dir, 'package.json'));
    expect((manifest.dependencies as Record<string, string>)['@four29/resilience']).toBe(
      'workspace:^',
    );
  }
});

it('leaves private packages alone', async () => {
  for (const dir of privateDirs) {
    const after = await json(join(root, dir, 'package.json'));
    expect(after.version).toBe(manifests.get(dir)?.version);
    expect(existsSync(join(root, dir, 'CHANGELOG.md'))).toBe(false);
  }
});

it('consumes the changesets it released', async () => {
  const left = (await readdir(join(root, '.changeset'))).filter((f) => f.endsWith('.md'));
  expect(left).toEqual([]);
});
