import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { foreignCores, type QuietGate, snapshot } from './interference.js';
import { pinnedCommand } from './pin.js';
import type { ReadyMessage } from './servers/main.js';
import { type ErrorForm, FAIL_PATH, OK_PATH, type Variant } from './servers/shared.js';
import type { ServerStats, StatsRequest } from './servers/stats.js';
import { median, rotate } from './stats.js';

// Resolved the same from src/ (vitest) and dist/ (node): both sit one level below the package.
const SERVER_SCRIPT = fileURLToPath(new URL('../dist/servers/main.js', import.meta.url));

export interface LoadSettings {
  /** Seconds per measured run. */
  readonly duration: number;
  /** Seconds of load per server before the first measured round. */
  readonly warmup: number;
  /** Measured rounds per generation; each round runs every server once, starting with a different one. */
  readonly rounds: number;
  /** Sets of fresh server processes, each warmed up and measured for `rounds` rounds. */
  readonly generations: number;
  /**
   * A round in which other processes used more than this many cores' worth of CPU during any of
   * its runs is repeated (Linux; elsewhere nothing is measured and nothing repeated).
   */
  readonly maxForeignCores: number;
  /** Repeats allowed per set of processes before disturbed rounds are kept anyway. */
  readonly maxRepeats: number;
  readonly connections: number;
}

export type Path = 'happy' | 'error';

/** One server process per generation: a variant, the error form its route throws, and an id. */
export interface Slot {
  /** Unique within a comparison; an A/A copy gets its own id (`hand#2`). */
  readonly id: string;
  readonly variant: Variant;
  readonly form: ErrorForm;
}

export interface Comparison {
  readonly framework: string;
  readonly path: Path;
  readonly slots: readonly Slot[];
}

/** One autocannon run against one server. */
export interface RunStats {
  readonly slot: string;
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  /** Milliseconds, as autocannon's histogram records them. */
  readonly p99: number;
  readonly errors: number;
  readonly unexpectedStatus: number;
  /** The server process's CPU time (all threads) during the run, per request answered. */
  readonly cpuMicrosPerRequest: number;
  /** Mean wall time of a core handler call during the run; NaN when the core was not called. */
  readonly coreMicrosPerCall: number;
  readonly coreCalls: number;
  /** Cores' worth of CPU other processes used during the run; undefined where it cannot be read. */
  readonly foreignCores: number | undefined;
}

export interface SlotSummary {
  readonly slot: Slot;
  /** Medians over the rounds. */
  readonly rps: number;
  readonly p99: number;
  readonly cpuMicrosPerRequest: number;
  readonly coreMicrosPerCall: number;
}

export interface ComparisonResult<C extends Comparison = Comparison> {
  readonly comparison: C;
  readonly slots: readonly SlotSummary[];
  /** Per kept round: every slot's run, by slot id. */
  readonly rounds: readonly Readonly<Record<string, RunStats>>[];
  /** Rounds measured while other processes used the CPU, and repeated. */
  readonly discardedRounds: number;
  /** Rounds kept although disturbed, because the repeats ran out. */
  readonly disturbedRounds: number;
}

export interface RunningServer {
  readonly port: number;
  readonly pid: number | undefined;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// A parent that exits for any reason takes its servers with it (they also exit on IPC disconnect).
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function startOnce(framework: string, slot: Slot, cpu: number | undefined): Promise<RunningServer> {
  const name = `${framework}/${slot.variant}/${slot.form}`;
  return new Promise((resolve, reject) => {
    const [command, args] = pinnedCommand(cpu, [SERVER_SCRIPT, framework, slot.variant, slot.form]);
    // taskset execs node in place: same pid, and the IPC channel is inherited.
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    live.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 8_192) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} server did not start in 30 s\n${stderr}`));
    }, 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('exit', (code, signal) => {
      live.delete(child);
      clearTimeout(timer);
      reject(new Error(`${name} server exited (${code ?? signal})\n${stderr}`));
    });
    child.once('message', (message: ReadyMessage) => {
      clearTimeout(timer);
      if (typeof message?.port !== 'number') {
        child.kill('SIGKILL');
        reject(new Error(`${name} server sent ${JSON.stringify(message)}`));
        return;
      }
      resolve({
        port: message.port,
        pid: child.pid,
        stats: () =>
          new Promise<ServerStats>((done, fail) => {
            const late = setTimeout(() => fail(new Error(`${name} did not report stats`)), 5_000);
            const onMessage = (reply: unknown): void => {
              if ((reply as { type?: unknown } | null)?.type !== 'stats') return;
              clearTimeout(late);
              child.off('message', onMessage);
              done(reply as ServerStats);
            };
            child.on('message', onMessage);
            const request: StatsRequest = { type: 'stats' };
            child.send(request);
          }),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            await exited;
            clearTimeout(killer);
          }
        },
      });
    });
  });
}

/** Starts one server process. Retries twice: in a shared checkout a dist can be mid-rebuild. */
export async function startServer(
  framework: string,
  slot: Slot,
  cpu?: number,
): Promise<RunningServer> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(framework, slot, cpu);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  throw last;
}

interface Expectation {
  readonly status: number;
  readonly contentType: string;
  /** The Retry-After the fixture's reset header (1.146 s) gives, rounded up. */
  readonly retryAfter?: string;
  /** The problem's `kind` member (four29 only). */
  readonly kind?: string;
}

function expectationFor(path: Path, variant: Variant): Expectation {
  if (path === 'happy') return { status: 200, contentType: 'application/json' };
  if (variant === 'static') return { status: 503, contentType: 'application/json' };
  if (variant === 'hand')
    return { status: 503, contentType: 'application/problem+json', retryAfter: '2' };
  if (variant === 'bare') return { status: 500, contentType: '' };
  return {
    status: 503,
    contentType: 'application/problem+json',
    retryAfter: '2',
    kind: 'rate_limited',
  };
}

/** One real request first: a server that answers the wrong thing would be benchmarked for nothing. */
export async function probe(port: number, path: Path, variant: Variant): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${path === 'happy' ? OK_PATH : FAIL_PATH}`);
  const body = await res.text();
  const want = expectationFor(path, variant);
  const type = res.headers.get('content-type') ?? '';
  const retryAfter = res.headers.get('retry-after') ?? undefined;
  const got = `${res.status} ${type} retry-after ${retryAfter}: ${body.slice(0, 200)}`;
  if (
    res.status !== want.status ||
    !type.startsWith(want.contentType) ||
    (want.retryAfter !== undefined && retryAfter !== want.retryAfter)
  ) {
    throw new Error(
      `${variant} ${path}: expected ${want.status} ${want.contentType} retry-after ${want.retryAfter}, got ${got}`,
    );
  }
  if (want.kind !== undefined) {
    const kind: unknown = (JSON.parse(body) as { kind?: unknown }).kind;
    if (kind !== want.kind) throw new Error(`${variant}: expected kind ${want.kind}, got ${got}`);
  }
}

async function load(
  server: RunningServer,
  c: Comparison,
  slot: Slot,
  seconds: number,
  connections: number,
): Promise<RunStats> {
  const before = snapshot(server.pid);
  const statsBefore = await server.stats();
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}${c.path === 'happy' ? OK_PATH : FAIL_PATH}`,
    connections,
    pipelining: 1,
    duration: seconds,
    // Sample often enough that sub-second quick runs stop close to their duration.
    sampleInt: Math.min(1_000, Math.max(100, Math.round((seconds * 1_000) / 4))),
  });
  const statsAfter = await server.stats();
  const want = expectationFor(c.path, slot.variant).status;
  const expected = want === 200 ? result['2xx'] : result['5xx'];
  const requests = result.requests.total;
  const coreCalls = statsAfter.coreCalls - statsBefore.coreCalls;
  return {
    slot: slot.id,
    requests,
    seconds: result.duration,
    rps: result.duration > 0 ? requests / result.duration : Number.NaN,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    unexpectedStatus: Math.max(0, requests - expected),
    cpuMicrosPerRequest:
      requests > 0 ? (statsAfter.cpuMicros - statsBefore.cpuMicros) / requests : Number.NaN,
    coreMicrosPerCall:
      coreCalls > 0 ? (statsAfter.coreMicros - statsBefore.coreMicros) / coreCalls : Number.NaN,
    coreCalls,
    foreignCores: foreignCores(before, snapshot(server.pid)),
  };
}

interface Tally {
  readonly rounds: Record<string, RunStats>[];
  /** Rounds started, kept or not: the rotation keeps turning across repeats. */
  attempts: number;
  discarded: number;
  /** Rounds kept although disturbed, because the repeats ran out. */
  keptDisturbed: number;
}

async function startAll(
  c: Comparison,
  serverCpu: number | undefined,
): Promise<Map<string, RunningServer>> {
  // In parallel: start-up is not measured, and a set of seven Nest processes takes a while.
  const started = await Promise.allSettled(
    c.slots.map((slot) => startServer(c.framework, slot, serverCpu)),
  );
  const servers = new Map<string, RunningServer>();
  started.forEach((s, i) => {
    if (s.status === 'fulfilled') servers.set((c.slots[i] as Slot).id, s.value);
  });
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    throw failed.reason;
  }
  return servers;
}

/** One generation: fresh server processes, a warm-up each, then `rounds` rounds. */
async function generation(
  c: Comparison,
  settings: LoadSettings,
  log: (line: string) => void,
  serverCpu: number | undefined,
  index: number,
  tally: Tally,
  quiet: QuietGate | undefined,
): Promise<void> {
  const servers = await startAll(c, serverCpu);
  try {
    const server = (slot: Slot): RunningServer => servers.get(slot.id) as RunningServer;
    for (const slot of c.slots) await probe(server(slot).port, c.path, slot.variant);
    for (const slot of c.slots) {
      await load(server(slot), c, slot, settings.warmup, settings.connections);
    }
    let repeats = 0;
    for (let round = 0; round < settings.rounds; ) {
      // Idle servers and an idle parent: what the CPU does now is other processes' work.
      if (quiet !== undefined && !(await quiet.wait())) {
        log(`  ${c.framework} ${c.path}: other processes keep the CPU busy; measuring anyway`);
      }
      const bySlot: Record<string, RunStats> = {};
      let foreign = 0;
      for (const slot of rotate(c.slots, tally.attempts)) {
        const stats = await load(server(slot), c, slot, settings.duration, settings.connections);
        if (stats.errors > 0 || stats.unexpectedStatus > 0) {
          throw new Error(
            `${c.framework}/${slot.id} ${c.path}: ${stats.errors} socket errors, ${stats.unexpectedStatus} unexpected statuses`,
          );
        }
        bySlot[slot.id] = stats;
        foreign = Math.max(foreign, stats.foreignCores ?? 0);
      }
      tally.attempts++;
      const line = `  ${c.framework} ${c.path} processes ${index + 1}/${settings.generations} round ${round + 1}/${settings.rounds}: ${c.slots
        .map((s) => {
          const r = bySlot[s.id];
          return `${s.id} ${Math.round(r?.rps ?? Number.NaN)}/s ${(r?.cpuMicrosPerRequest ?? Number.NaN).toFixed(0)} µs`;
        })
        .join(', ')}; other processes used ${foreign.toFixed(2)} cores`;
      if (foreign > settings.maxForeignCores) {
        if (repeats < settings.maxRepeats) {
          repeats++;
          tally.discarded++;
          log(`${line}: disturbed, repeating`);
          continue;
        }
        tally.keptDisturbed++;
        log(`${line}: disturbed, kept (no repeats left)`);
      } else {
        log(line);
      }
      tally.rounds.push(bySlot);
      round++;
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }
}

/**
 * For each of `generations` sets of fresh server processes (one per slot): a warm-up each, then
 * `rounds` rounds in which every server is loaded once, the starting one rotating so that drift
 * (other processes, CPU frequency, GC) falls evenly on all of them. Ratios are taken within a
 * round (see report.ts). New processes per generation, because two identical server processes can
 * differ by a few percent for their whole life (code and heap placement); the A/A slots show how
 * much.
 */
export async function compare<C extends Comparison>(
  c: C,
  settings: LoadSettings,
  log: (line: string) => void,
  serverCpu?: number,
  quiet?: QuietGate,
): Promise<ComparisonResult<C>> {
  const tally: Tally = { rounds: [], attempts: 0, discarded: 0, keptDisturbed: 0 };
  for (let g = 0; g < settings.generations; g++) {
    await generation(c, settings, log, serverCpu, g, tally, quiet);
  }
  const of = (slot: Slot, pick: (r: RunStats) => number): number =>
    median(
      tally.rounds.map((r) => {
        const run = r[slot.id];
        return run === undefined ? Number.NaN : pick(run);
      }),
    );
  return {
    comparison: c,
    slots: c.slots.map((slot) => ({
      slot,
      rps: of(slot, (r) => r.rps),
      p99: of(slot, (r) => r.p99),
      cpuMicrosPerRequest: of(slot, (r) => r.cpuMicrosPerRequest),
      coreMicrosPerCall: of(slot, (r) => r.coreMicrosPerCall),
    })),
    rounds: tally.rounds,
    discardedRounds: tally.discarded,
    disturbedRounds: tally.keptDisturbed,
  };
}
