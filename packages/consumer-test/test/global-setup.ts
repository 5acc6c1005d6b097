import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type PackedPackage, packPackage } from '../src/pack.js';
import { PUBLISHED } from '../src/published.js';

declare module 'vitest' {
  export interface ProvidedContext {
    packed: PackedPackage[];
  }
}

/** Packs every published package once; the tarball checks and the consumer project share them. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dest = await mkdtemp(join(tmpdir(), 'four29-pack-'));
  const packed: PackedPackage[] = [];
  const cleanup = () => rm(dest, { recursive: true, force: true });
  try {
    for (const pkg of PUBLISHED) packed.push(await packPackage(pkg, dest));
  } catch (error) {
    await cleanup();
    throw error;
  }
  project.provide('packed', packed);
  return cleanup;
}
