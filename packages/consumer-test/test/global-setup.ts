import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createConsumerProject } from '../src/consumer-project.js';
import { type PackedPackage, packPackage } from '../src/pack.js';
import { PUBLISHED } from '../src/published.js';

declare module 'vitest' {
  export interface ProvidedContext {
    packed: PackedPackage[];
    /** The consumer project with every tarball installed, made once: npm install is the slow part. */
    project: string;
  }
}

/**
 * Packs every published package once and installs the tarballs into one fresh consumer project;
 * the tarball checks, the consumer apps and the quick starts share them.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dest = await mkdtemp(join(tmpdir(), 'four29-pack-'));
  const packed: PackedPackage[] = [];
  let consumer = '';
  const cleanup = async () => {
    await rm(dest, { recursive: true, force: true });
    if (consumer !== '') await rm(consumer, { recursive: true, force: true });
  };
  try {
    for (const pkg of PUBLISHED) packed.push(await packPackage(pkg, dest));
    consumer = await createConsumerProject(packed);
  } catch (error) {
    await cleanup();
    throw error;
  }
  project.provide('packed', packed);
  project.provide('project', consumer);
  return cleanup;
}
