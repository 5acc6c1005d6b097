import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { foreignCores, type QuietGate, snapshot } from './interference.js';
import { pinnedCommand } from './pin.js';
import type { ReadyMessage } from './servers/main.js';
import { FAIL_PATH, type Framework, OK_PATH, type Variant } from './servers/shared.js';
import type { HandlerTiming, TimingRequest } from './servers/timing.js';
import { max, median, min, quantile, rotate } from './stats.js';

// Resolved the same from src/ (vitest) and dist/ (node): both sit one level below the package.
const SERVER_SCRIPT = fileURLToPath(new URL('../dist/servers/main.js', import.meta.url));

export interface LoadSettings {
  /** Seconds per measured run. */
  readonly duration: number;
  /** Seconds of load per variant before the first measured round. */
  readonly warmup: number;
  /** Measured rounds per generation; each round runs every variant once, starting with a different one. */
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

export interface Comparison {
  readonly framework: Framework;
  readonly path: Path;
  readonly baseline: Variant;
  /** The variants compared with the baseline, in report order. */
  readonly variants: readonly Variant[];
}

/** One autocannon run against one server. */
export interface RunStats {
  readonly variant: Variant;
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  /** Milliseconds, as autocannon's histogram records them. */
  readonly p99: number;
  readonly errors: number;
  readonly unexpectedStatus: number;
  /** Cores' worth of CPU other processes used during the run; undefined where it cannot be read. */
  readonly foreignCores: number | undefined;
}

export interface VariantResult {
  readonly variant: Variant;
  /** Per round: this variant's requests/s divided by the baseline's in the same round. */
  readonly ratios: readonly number[];
  readonly ratio: number;
  /** Interquartile range of the per-round ratios. */
  readonly ratioP25: number;
  readonly ratioP75: number;
  readonly ratioMin: number;
  readonly ratioMax: number;
  readonly rps: number;
  readonly p99: number;
}

export interface ComparisonResult {
  readonly framework: Framework;
  readonly path: Path;
  readonly baseline: { readonly variant: Variant; readonly rps: number; readonly p99: number };
  readonly variants: readonly VariantResult[];
  readonly runs: readonly RunStats[];
  /** Rounds measured while other processes used the CPU, and repeated. */
  readonly discardedRounds: number;
  /** Rounds kept although disturbed, because the repeats ran out. */
  readonly disturbedRounds: number;
}

export interface RunningServer {
  readonly port: number;
  readonly pid: number | undefined;
  /** The handler time a `four29-timed` server measured; `reset` starts it afresh. */
  timing(reset: boolean): Promise<HandlerTiming>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// A parent that exits for any reason takes its servers with it (they also exit on IPC disconnect).
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function startOnce(
  framework: Framework,
  variant: Variant,
  cpu: number | undefined,
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const [command, args] = pinnedCommand(cpu, [SERVER_SCRIPT, framework, variant]);
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
      reject(new Error(`${framework}/${variant} server did not start in 30 s\n${stderr}`));
    }, 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('exit', (code, signal) => {
      live.delete(child);
      clearTimeout(timer);
      reject(new Error(`${framework}/${variant} server exited (${code ?? signal})\n${stderr}`));
    });
    child.once('message', (message: ReadyMessage) => {
      clearTimeout(timer);
      if (typeof message?.port !== 'number') {
        child.kill('SIGKILL');
        reject(new Error(`${framework}/${variant} server sent ${JSON.stringify(message)}`));
        return;
      }
      resolve({
        port: message.port,
        pid: child.pid,
        timing: (reset) =>
          new Promise<HandlerTiming>((done, fail) => {
            const late = setTimeout(() => fail(new Error('server did not report timing')), 5_000);
            const onMessage = (reply: unknown): void => {
              if ((reply as { type?: unknown } | null)?.type !== 'timing') return;
              clearTimeout(late);
              child.off('message', onMessage);
              done(reply as HandlerTiming);
            };
            child.on('message', onMessage);
            const request: TimingRequest = { type: 'timing', reset };
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
  framework: Framework,
  variant: Variant,
  cpu?: number,
): Promise<RunningServer> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(framework, variant, cpu);
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
}

function expectationFor(path: Path, variant: Variant): Expectation {
  if (path === 'happy') return { status: 200, contentType: 'application/json' };
  if (variant === 'static' || variant === 'four29-timed')
    return { status: 503, contentType: 'application/json' };
  return { status: 503, contentType: 'application/problem+json' };
}

/** One real request first: a server that answers the wrong thing would be benchmarked for nothing. */
export async function probe(port: number, path: Path, variant: Variant): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${path === 'happy' ? OK_PATH : FAIL_PATH}`);
  const body = await res.text();
  const want = expectationFor(path, variant);
  const type = res.headers.get('content-type') ?? '';
  if (res.status !== want.status || !type.startsWith(want.contentType)) {
    throw new Error(
      `${variant} ${path}: expected ${want.status} ${want.contentType}, got ${res.status} ${type}: ${body.slice(0, 200)}`,
    );
  }
  if (want.contentType === 'application/problem+json') {
    const kind: unknown = (JSON.parse(body) as { kind?: unknown }).kind;
    if (kind !== 'rate_limited')
      throw new Error(`${variant}: expected kind rate_limited, got ${String(kind)}`);
  }
}

async function load(
  server: RunningServer,
  path: Path,
  variant: Variant,
  seconds: number,
  connections: number,
): Promise<RunStats> {
  const port = server.port;
  const before = snapshot(server.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path === 'happy' ? OK_PATH : FAIL_PATH}`,
    connections,
    pipelining: 1,
    duration: seconds,
    // Sample often enough that sub-second quick runs stop close to their duration.
    sampleInt: Math.min(1_000, Math.max(100, Math.round((seconds * 1_000) / 4))),
  });
  const want = expectationFor(path, variant).status;
  const expected = want === 200 ? result['2xx'] : result['5xx'];
  const requests = result.requests.total;
  return {
    variant,
    requests,
    seconds: result.duration,
    rps: result.duration > 0 ? requests / result.duration : Number.NaN,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    unexpectedStatus: Math.max(0, requests - expected),
    foreignCores: foreignCores(before, snapshot(server.pid)),
  };
}

interface Tally {
  readonly perRound: Map<Variant, RunStats>[];
  readonly runs: RunStats[];
  /** Rounds started, kept or not: the rotation keeps turning across repeats. */
  attempts: number;
  discarded: number;
  /** Rounds kept although disturbed, because the repeats ran out. */
  keptDisturbed: number;
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
  const all = [c.baseline, ...c.variants];
  const servers = new Map<Variant, RunningServer>();
  try {
    for (const variant of all) {
      const server = await startServer(c.framework, variant, serverCpu);
      servers.set(variant, server);
      await probe(server.port, c.path, variant);
    }
    const server = (v: Variant): RunningServer => servers.get(v) as RunningServer;
    for (const variant of all) {
      await load(server(variant), c.path, variant, settings.warmup, settings.connections);
    }
    let repeats = 0;
    for (let round = 0; round < settings.rounds; ) {
      // Idle servers and an idle parent: what the CPU does now is other processes' work.
      if (quiet !== undefined && !(await quiet.wait())) {
        log(`  ${c.framework} ${c.path}: other processes keep the CPU busy; measuring anyway`);
      }
      const byVariant = new Map<Variant, RunStats>();
      let foreign = 0;
      for (const variant of rotate(all, tally.attempts)) {
        const stats = await load(
          server(variant),
          c.path,
          variant,
          settings.duration,
          settings.connections,
        );
        if (stats.errors > 0 || stats.unexpectedStatus > 0) {
          throw new Error(
            `${c.framework}/${variant} ${c.path}: ${stats.errors} socket errors, ${stats.unexpectedStatus} unexpected statuses`,
          );
        }
        byVariant.set(variant, stats);
        foreign = Math.max(foreign, stats.foreignCores ?? 0);
      }
      tally.attempts++;
      const line = `  ${c.framework} ${c.path} processes ${index + 1}/${settings.generations} round ${round + 1}/${settings.rounds}: ${all
        .map((v) => `${v} ${Math.round(byVariant.get(v)?.rps ?? Number.NaN)}/s`)
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
      tally.perRound.push(byVariant);
      tally.runs.push(...byVariant.values());
      round++;
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }
}

/**
 * For each of `generations` sets of fresh server processes (one per variant, baseline included):
 * a warm-up each, then `rounds` rounds in which every variant is loaded once, the starting variant
 * rotating so that drift (other processes, CPU frequency, GC) falls evenly on all of them. Ratios
 * are taken within a round. New processes per generation, because two identical server processes
 * can differ by a few percent for their whole life (code and heap placement, core assignment).
 */
export async function compare(
  c: Comparison,
  settings: LoadSettings,
  log: (line: string) => void,
  serverCpu?: number,
  quiet?: QuietGate,
): Promise<ComparisonResult> {
  const tally: Tally = { perRound: [], runs: [], attempts: 0, discarded: 0, keptDisturbed: 0 };
  for (let g = 0; g < settings.generations; g++) {
    await generation(c, settings, log, serverCpu, g, tally, quiet);
  }
  const { perRound, runs } = tally;
  const baseRps = perRound.map((r) => r.get(c.baseline)?.rps ?? Number.NaN);
  const baseP99 = perRound.map((r) => r.get(c.baseline)?.p99 ?? Number.NaN);
  return {
    framework: c.framework,
    path: c.path,
    baseline: { variant: c.baseline, rps: median(baseRps), p99: median(baseP99) },
    variants: c.variants.map((variant) => {
      const ratios = perRound.map(
        (r, i) => (r.get(variant)?.rps ?? Number.NaN) / (baseRps[i] as number),
      );
      return {
        variant,
        ratios,
        ratio: median(ratios),
        ratioP25: quantile(ratios, 0.25),
        ratioP75: quantile(ratios, 0.75),
        ratioMin: min(ratios),
        ratioMax: max(ratios),
        rps: median(perRound.map((r) => r.get(variant)?.rps ?? Number.NaN)),
        p99: median(perRound.map((r) => r.get(variant)?.p99 ?? Number.NaN)),
      };
    }),
    runs,
    discardedRounds: tally.discarded,
    disturbedRounds: tally.keptDisturbed,
  };
}

export interface InServerResult {
  /** Mean microseconds per handler call, per measured run. */
  readonly perRun: readonly number[];
  readonly micros: number;
  readonly calls: number;
}

/**
 * The core handler's cost inside a loaded server: a Hono app whose `onError` times
 * `createUpstreamErrorHandler({ logger: false })` on the error route's openai 429 and then sends
 * the static 503. A warm-up, then `rounds` runs; the median of the per-run means.
 */
export async function measureHandlerInServer(
  settings: LoadSettings,
  serverCpu?: number,
): Promise<InServerResult> {
  const server = await startServer('hono', 'four29-timed', serverCpu);
  try {
    await probe(server.port, 'error', 'four29-timed');
    await load(server, 'error', 'four29-timed', settings.warmup, settings.connections);
    await server.timing(true);
    const perRun: number[] = [];
    let calls = 0;
    for (let i = 0; i < settings.rounds; i++) {
      const stats = await load(
        server,
        'error',
        'four29-timed',
        settings.duration,
        settings.connections,
      );
      if (stats.errors > 0 || stats.unexpectedStatus > 0)
        throw new Error(
          `hono/four29-timed: ${stats.errors} socket errors, ${stats.unexpectedStatus} unexpected statuses`,
        );
      const t = await server.timing(true);
      perRun.push(t.micros);
      calls += t.calls;
    }
    return { perRun, micros: median(perRun), calls };
  } finally {
    await server.stop();
  }
}
