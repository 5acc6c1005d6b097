import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FrameworkServer } from './shared.js';

// Every file in frameworks/ is one framework, named after the file: adding one is adding a file.
const DIR = new URL('./frameworks/', import.meta.url);
const MODULE = /^([a-z0-9-]+)\.(?:js|ts)$/;

export function frameworkNames(): string[] {
  return readdirSync(fileURLToPath(DIR))
    .map((file) => MODULE.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

export async function loadFramework(name: string): Promise<FrameworkServer> {
  if (!frameworkNames().includes(name)) {
    throw new Error(`unknown framework ${name}; frameworks: ${frameworkNames().join(', ')}`);
  }
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const mod = (await import(new URL(`${name}.${ext}`, DIR).href)) as {
    default?: FrameworkServer;
  };
  if (typeof mod.default?.listen !== 'function') {
    throw new Error(`frameworks/${name} has no default export with listen()`);
  }
  return mod.default;
}
