import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  readonly loadAverage: readonly [number, number, number];
  readonly versions: Readonly<Record<string, string>>;
}

/** Reported for every run; each framework adds its own packages. */
const VERSIONED = ['openai', 'pino', 'autocannon', 'tinybench', 'esbuild'];

async function versionOf(pkg: string): Promise<string> {
  try {
    // Walk up from the resolved entry to the package's own manifest.
    let dir = dirname(fileURLToPath(import.meta.resolve(pkg)));
    for (;;) {
      try {
        const json = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (json.name === pkg && typeof json.version === 'string') return json.version;
      } catch {
        // Not here.
      }
      const parent = dirname(dir);
      if (parent === dir) return '?';
      dir = parent;
    }
  } catch {
    return '?';
  }
}

export async function machineInfo(packages: readonly string[] = []): Promise<MachineInfo> {
  const cpus = os.cpus();
  const [l1, l5, l15] = os.loadavg();
  const versions: Record<string, string> = {};
  for (const pkg of [...packages, ...VERSIONED]) versions[pkg] = await versionOf(pkg);
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: [l1 ?? Number.NaN, l5 ?? Number.NaN, l15 ?? Number.NaN],
    versions,
  };
}
