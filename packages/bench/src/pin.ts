import { spawnSync } from 'node:child_process';
import os from 'node:os';

/**
 * CPU affinity for the load run: the load generator on one core, every server on another. Left to
 * the scheduler, two long-lived server processes can settle on different cores (one of which also
 * takes the loopback interrupts) and keep a few percent of bias between them for the whole run,
 * which is the size of the happy-path target. Linux with `taskset` and two cores or more only.
 */
export interface CpuPlan {
  readonly loadGenerator: number;
  readonly server: number;
}

export function cpuPlan(): CpuPlan | undefined {
  if (process.platform !== 'linux' || os.availableParallelism() < 2) return undefined;
  const probe = spawnSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  return { loadGenerator: 0, server: 1 };
}

/** Pins every thread of this process (libuv pool and V8 helpers too) to one CPU. */
export function pinSelf(cpu: number): boolean {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], {
    encoding: 'utf8',
  });
  return r.status === 0;
}

/** The command that starts `node args…` on one CPU, all its threads included. */
export function pinnedCommand(
  cpu: number | undefined,
  args: readonly string[],
): [string, string[]] {
  return cpu === undefined
    ? [process.execPath, [...args]]
    : ['taskset', ['-c', String(cpu), process.execPath, ...args]];
}
