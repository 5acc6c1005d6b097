import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { exec } from './exec.js';
import { REPO_ROOT } from './paths.js';
import type { PublishedPackage } from './published.js';

export interface PackedPackage extends PublishedPackage {
  readonly version: string;
  /** Absolute path of the `.tgz` written by `pnpm pack`. */
  readonly tarball: string;
  /** The tarball extracted: its `package/` directory. */
  readonly root: string;
  /** Every file in the tarball, relative to `package/`, with `/` separators, sorted. */
  readonly files: readonly string[];
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      out.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
  }
  return out.sort();
}

/**
 * Packs with `pnpm pack`, exactly as `changeset publish` does: that is what rewrites `workspace:^`
 * into a real range and applies `publishConfig`, so what is checked here is what npm would get.
 */
export async function packPackage(pkg: PublishedPackage, dest: string): Promise<PackedPackage> {
  const { stdout } = await exec('pnpm', ['pack', '--json', '--pack-destination', dest], {
    cwd: join(REPO_ROOT, 'packages', pkg.dir),
  });
  const start = stdout.indexOf('{');
  const report = JSON.parse(stdout.slice(start)) as {
    name: string;
    version: string;
    filename: string;
  };
  if (report.name !== pkg.name) throw new Error(`packages/${pkg.dir} packed as ${report.name}`);
  const extractTo = join(dest, 'extracted', pkg.dir);
  await mkdir(extractTo, { recursive: true });
  await exec('tar', ['-xzf', report.filename, '-C', extractTo], { cwd: dest });
  const root = join(extractTo, 'package');
  return {
    ...pkg,
    version: report.version,
    tarball: report.filename,
    root,
    files: await listFiles(root),
  };
}

export async function readManifest(packed: PackedPackage): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(packed.root, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}
