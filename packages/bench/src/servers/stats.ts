/**
 * What a server under test reports to the bench over IPC, read before and after each run: the
 * process's CPU time (every thread: GC helpers and libuv's pool included) and, in four29 variants,
 * the time spent inside the core's handler call (see timed-core.ts). The bench divides the
 * differences by the run's requests.
 */
export interface ServerStats {
  readonly type: 'stats';
  /** process.cpuUsage(), user + system, since the process started. */
  readonly cpuMicros: number;
  /** Wall time inside the core handler's calls since the process started. */
  readonly coreMicros: number;
  readonly coreCalls: number;
}

export interface StatsRequest {
  readonly type: 'stats';
}

let coreMs = 0;
let coreCalls = 0;

/** Adds one core handler call's wall time (performance.now() milliseconds). */
export function addCoreCall(ms: number): void {
  coreMs += ms;
  coreCalls++;
}

export function takeStats(): ServerStats {
  const cpu = process.cpuUsage();
  return { type: 'stats', cpuMicros: cpu.user + cpu.system, coreMicros: coreMs * 1_000, coreCalls };
}

export function isStatsRequest(value: unknown): value is StatsRequest {
  return (
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'stats'
  );
}
