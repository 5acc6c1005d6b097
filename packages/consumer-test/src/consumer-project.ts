import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from './exec.js';
import type { PackedPackage } from './pack.js';
import { CONSUMER_TEMPLATE } from './paths.js';
import { CONSUMER_DEPENDENCIES } from './published.js';

/**
 * The environment for npm, tsc and the apps. pnpm's bin shims set NODE_PATH to the workspace's
 * hoisted `node_modules/.pnpm/node_modules`, through which `require()` in the consumer project would
 * quietly find workspace-only packages; and pnpm exports `npm_*` variables that npm would read as its
 * own config. Only the user's registry/cache settings are passed on.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (lower === 'node_path' || lower === 'node_options') continue;
    if (lower.startsWith('pnpm_') || lower.startsWith('vitest')) continue;
    if (lower.startsWith('npm_') && !/^npm_config_(registry|cache|userconfig)$/.test(lower))
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * One type-test source per package is checked three ways: as `.mts` and `.cts` under `node16`
 * (the `import` and the `require` conditions of `exports`) and as `.ts` under `bundler`.
 */
async function writeTypeTests(dir: string, packed: readonly PackedPackage[]): Promise<void> {
  await mkdir(join(dir, 'types-node16'), { recursive: true });
  await mkdir(join(dir, 'types-bundler'), { recursive: true });
  for (const pkg of packed) {
    const source = await readFile(join(CONSUMER_TEMPLATE, 'types', `${pkg.app}.ts`), 'utf8');
    await writeFile(join(dir, 'types-node16', `${pkg.app}.mts`), source);
    await writeFile(join(dir, 'types-node16', `${pkg.app}.cts`), source);
    await writeFile(join(dir, 'types-bundler', `${pkg.app}.ts`), source);
  }
}

/**
 * A fresh npm project under the OS temp dir, far from the workspace, so nothing can resolve
 * through the monorepo's node_modules: the packed tarballs plus real, pinned frameworks.
 */
export async function createConsumerProject(packed: readonly PackedPackage[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'four29-consumer-'));
  try {
    await cp(CONSUMER_TEMPLATE, dir, { recursive: true });
    await writeTypeTests(dir, packed);
    const dependencies: Record<string, string> = {};
    for (const pkg of packed) dependencies[pkg.name] = `file:${pkg.tarball}`;
    Object.assign(dependencies, CONSUMER_DEPENDENCIES);
    const manifest = { name: 'four29-consumer', version: '0.0.0', private: true, dependencies };
    await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await exec(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      {
        cwd: dir,
        env: cleanEnv(),
      },
    );
    return dir;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
