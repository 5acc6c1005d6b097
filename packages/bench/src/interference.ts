import { readFileSync } from 'node:fs';

/**
 * CPU time spent during a run by anything other than the bench itself and the server under test:
 * on a shared machine (other test suites, other containers on the same vCPUs) that is what turns a
 * 2% comparison into noise. Linux only (/proc); elsewhere `undefined`, and runs are not checked.
 *
 * Busy time counts user, nice and system time only: softirq time (which loopback networking adds)
 * is charged to no process, so counting it would flag every run.
 */
export interface CpuSnapshot {
  readonly at: number;
  readonly busyTicks: number;
  readonly selfMicros: number;
  readonly serverTicks: number;
}

const TICKS_PER_SECOND = 100;

function busyTicks(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system] = f;
    if (user === undefined || nice === undefined || system === undefined) return undefined;
    return user + nice + system;
  } catch {
    return undefined;
  }
}

function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself hold spaces.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
  } catch {
    return undefined;
  }
}

export function snapshot(serverPid: number | undefined): CpuSnapshot | undefined {
  const busy = busyTicks();
  const server = serverPid === undefined ? undefined : processTicks(serverPid);
  if (busy === undefined || server === undefined) return undefined;
  const self = process.cpuUsage();
  return {
    at: Date.now(),
    busyTicks: busy,
    selfMicros: self.user + self.system,
    serverTicks: server,
  };
}

/** Cores' worth of CPU used by other processes between two snapshots (0.25 = a quarter core). */
export function foreignCores(
  before: CpuSnapshot | undefined,
  after: CpuSnapshot | undefined,
): number | undefined {
  if (before === undefined || after === undefined) return undefined;
  const seconds = (after.at - before.at) / 1000;
  if (seconds <= 0) return undefined;
  const busy = (after.busyTicks - before.busyTicks) / TICKS_PER_SECOND;
  const self = (after.selfMicros - before.selfMicros) / 1e6;
  const server = (after.serverTicks - before.serverTicks) / TICKS_PER_SECOND;
  return Math.max(0, busy - self - server) / seconds;
}

/**
 * Waits before a round until other processes leave the CPU alone (under `maxCores` over a
 * one-second sample), at most `perWaitMs` each time and `budgetMs` over the whole bench, so a
 * machine that never gets quiet still finishes (its rounds are then repeated or flagged).
 */
export class QuietGate {
  private spentMs = 0;

  constructor(
    private readonly maxCores: number,
    private readonly perWaitMs: number,
    private readonly budgetMs: number,
  ) {}

  get waitedMs(): number {
    return this.spentMs;
  }

  /** True when it got quiet (or cannot be measured); false when it gave up waiting. */
  async wait(): Promise<boolean> {
    if (!Number.isFinite(this.maxCores)) return true;
    const start = Date.now();
    try {
      for (;;) {
        const before = busyTicks();
        const self = process.cpuUsage();
        await new Promise((r) => setTimeout(r, 1_000));
        const after = busyTicks();
        if (before === undefined || after === undefined) return true;
        const used = process.cpuUsage(self);
        const foreign = (after - before) / TICKS_PER_SECOND - (used.user + used.system) / 1e6;
        if (foreign <= this.maxCores) return true;
        const waited = Date.now() - start;
        if (waited >= this.perWaitMs || this.spentMs + waited >= this.budgetMs) return false;
      }
    } finally {
      this.spentMs += Date.now() - start;
    }
  }
}
