/**
 * `pnpm bench [--quick] [--json file] [--write-docs] [--check] [--only express,koa]
 *   [--skip sizes,micro,throughput,happy,error] [--rounds N] [--generations N] [--duration S]
 *   [--no-pin] [--record-sizes "<reason>"]`
 * `pnpm bench --fleet [--quick] [--write-docs]`: the fleet benchmark alone (shared pacing on
 * Redis, K instance processes); --write-docs replaces only its own block of docs/benchmarks.md.
 *
 * Full mode measures; quick mode (CI) proves that every measurement still runs and yields a
 * number, and fails when a bundle grew more than 10 % over its recorded figure. Its throughput
 * numbers are not measurements and are never judged.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  FULL_FLEET,
  fleetMarkdown,
  fleetQuickProblems,
  fleetText,
  fleetVerdicts,
  QUICK_FLEET,
  runFleet,
} from './fleet.js';
import { QuietGate } from './interference.js';
import { machineInfo } from './machine.js';
import { type MicroSettings, runMicro } from './micro.js';
import { cpuPlan, pinSelf } from './pin.js';
import { plan } from './plan.js';
import { quickProblems } from './quick-check.js';
import {
  type BenchReport,
  type Mode,
  machineLine,
  markdownResults,
  rows,
  textTable,
} from './report.js';
import { frameworkNames, loadFramework } from './servers/registry.js';
import type { FrameworkServer } from './servers/shared.js';
import { coreBreakdown, measureSizes, readRecordedSizes, recordSizes } from './size.js';
import { compare, type LoadSettings, type Path } from './throughput.js';

const DOCS = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';
const FLEET_START = '<!-- bench:fleet:start -->';
const FLEET_END = '<!-- bench:fleet:end -->';

async function replaceBlock(start: string, end: string, content: string): Promise<void> {
  const doc = await readFile(DOCS, 'utf8');
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from === -1 || to < from) throw new Error(`${DOCS} has no ${start} … ${end} block`);
  await writeFile(DOCS, `${doc.slice(0, from + start.length)}\n${content}\n${doc.slice(to)}`);
}

async function fleetMain(mode: Mode, writeDocs: boolean, check: boolean): Promise<number> {
  const settings = mode === 'quick' ? QUICK_FLEET : FULL_FLEET;
  const started = new Date().toISOString();
  const machine = machineLine(await machineInfo(['redis']));
  log(`four29 fleet bench (${mode}): ${machine}`);
  const { rows, alone } = await runFleet(settings, log);
  process.stdout.write(`\n${fleetText(rows, alone)}\n\n`);
  if (writeDocs) {
    await replaceBlock(
      FLEET_START,
      FLEET_END,
      fleetMarkdown(rows, alone, settings, machine, started),
    );
    log(`fleet results written to ${DOCS}`);
  }
  if (mode === 'quick') {
    const problems = fleetQuickProblems(rows);
    if (problems.length > 0) {
      log(`bench --fleet --quick found ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
      return 1;
    }
    process.stdout.write('Quick mode: fleet smoke run only; its numbers are not measurements.\n');
    return 0;
  }
  const failed = fleetVerdicts(rows, alone).filter((v) => v.verdict === 'FAIL');
  return check && failed.length > 0 ? 1 : 0;
}

/**
 * Both paths: 3 sets of fresh server processes × 4 rounds = 12 rounds per target row. Two
 * identical server processes can differ by a few percent for their whole life, so more sets of
 * processes beat longer runs; the A/A pair in every set shows what is left. About 17 minutes on
 * an idle 2-core machine (5 frameworks × 10 error-path and 3–4 happy-path servers per set).
 */
const FULL_LOAD: LoadSettings = {
  warmup: 1,
  duration: 1,
  rounds: 4,
  generations: 3,
  connections: 10,
  maxForeignCores: 0.1,
  maxRepeats: 3,
};

const QUICK_LOAD: LoadSettings = {
  warmup: 0.2,
  duration: 0.3,
  rounds: 1,
  generations: 1,
  connections: 4,
  maxForeignCores: Number.POSITIVE_INFINITY,
  maxRepeats: 0,
};

const MICRO: Record<Mode, MicroSettings> = {
  full: { time: 150, warmupTime: 50 },
  quick: { time: 5, warmupTime: 2 },
};

const SKIPPABLE = ['sizes', 'micro', 'throughput', 'happy', 'error'];

function usage(): string {
  return `pnpm bench [--quick] [--json file] [--write-docs] [--check] [--only ${frameworkNames().join(',')}]
  [--skip ${SKIPPABLE.join(',')}] [--rounds N] [--generations N] [--duration S] [--no-pin]
  [--record-sizes "<reason>"]
pnpm bench --fleet [--quick] [--write-docs] [--check]
See docs/benchmarks.md.`;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      'write-docs': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      only: { type: 'string' },
      skip: { type: 'string' },
      rounds: { type: 'string' },
      generations: { type: 'string' },
      duration: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      'record-sizes': { type: 'string' },
      fleet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const mode: Mode = values.quick ? 'quick' : 'full';
  if (values['write-docs'] && mode === 'quick') throw new Error('--write-docs needs a full run');
  if (values.fleet) return fleetMain(mode, values['write-docs'], values.check);
  const known = frameworkNames();
  const only = values.only?.split(',').map((s) => s.trim()) ?? known;
  const unknown = only.filter((f) => !known.includes(f));
  if (unknown.length > 0)
    throw new Error(`--only takes ${known.join(', ')}; got ${unknown.join(', ')}`);
  const skip = new Set(values.skip?.split(',').map((s) => s.trim()) ?? []);
  const badSkip = [...skip].filter((s) => !SKIPPABLE.includes(s));
  if (badSkip.length > 0) throw new Error(`--skip takes ${SKIPPABLE.join(', ')}`);
  const integer = (text: string | undefined, flag: string): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number ≥ 1`);
    return n;
  };
  const rounds = integer(values.rounds, '--rounds');
  const generations = integer(values.generations, '--generations');
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0)) throw new Error('--duration takes seconds > 0');
  const base = mode === 'quick' ? QUICK_LOAD : FULL_LOAD;
  const settings: LoadSettings = {
    ...base,
    ...(rounds !== undefined ? { rounds } : {}),
    ...(generations !== undefined ? { generations } : {}),
    ...(duration !== undefined ? { duration } : {}),
  };
  const load: Record<Path, LoadSettings> = { happy: settings, error: settings };

  const reason = values['record-sizes'];
  if (reason !== undefined) {
    if (reason.trim() === '')
      throw new Error('--record-sizes takes the reason for the new figures');
    const sizes = await measureSizes();
    const file = await recordSizes(sizes, reason);
    for (const s of sizes) log(`${s.name}: ${s.gzipBytes} B min+gzip`);
    log(`recorded in ${file}; commit it with the reason`);
    return 0;
  }

  const started = Date.now();
  const apps: [string, FrameworkServer][] = [];
  for (const name of only) apps.push([name, await loadFramework(name)]);
  const machine = await machineInfo(apps.flatMap(([, app]) => app.packages));
  log(`four29 bench (${mode}): ${machineLine(machine)}`);

  const sizes = skip.has('sizes') ? [] : await measureSizes();
  const recordedSizes = await readRecordedSizes();
  const breakdown = skip.has('sizes') || mode === 'quick' ? undefined : await coreBreakdown();

  let micro: BenchReport['micro'];
  if (!skip.has('micro')) {
    log('microbenchmarks: classify + toProblem per fixture …');
    micro = await runMicro(MICRO[mode]);
  }

  const throughput: BenchReport['throughput'][number][] = [];
  let pinning = 'none';
  if (!skip.has('throughput')) {
    const cpus = values['no-pin'] ? undefined : cpuPlan();
    const serverCpu = cpus !== undefined && pinSelf(cpus.loadGenerator) ? cpus.server : undefined;
    if (cpus !== undefined && serverCpu !== undefined) {
      pinning = `taskset: autocannon on CPU ${cpus.loadGenerator}, every server on CPU ${serverCpu}`;
    }
    log(`CPU pinning: ${pinning}`);
    // Before each full-mode round, wait (up to 20 s, 3 minutes in all) for other processes to
    // leave the CPU alone.
    const quiet = mode === 'full' ? new QuietGate(0.1, 20_000, 180_000) : undefined;
    const paths = (['happy', 'error'] as const).filter((p) => !skip.has(p));
    for (const c of plan(apps, paths)) {
      log(`${c.framework} ${c.path} path: ${c.slots.map((s) => s.id).join(' / ')}`);
      throughput.push(await compare(c, load[c.path], log, serverCpu, quiet));
    }
  }

  const report: BenchReport = {
    mode,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine,
    load,
    pinning,
    throughput,
    micro,
    sizes,
    recordedSizes,
    breakdown,
  };
  const table = rows(report);
  process.stdout.write(`\n${textTable(table)}\n\n`);

  if (values.json !== undefined)
    await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (values['write-docs']) {
    await replaceBlock(START, END, markdownResults(report));
    log(`results written to ${DOCS}`);
  }
  if (mode === 'quick') {
    const problems = quickProblems(report, table);
    if (problems.length > 0) {
      log(`bench --quick found ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
      return 1;
    }
    process.stdout.write(
      'Quick mode: smoke run only; every measurement yielded a number and every size is within 10 % of its recorded figure. Throughput numbers are not measurements.\n',
    );
    return 0;
  }
  const failed = table.filter((r) => r.verdict === 'FAIL');
  if (failed.length > 0)
    log(`${failed.length} target(s) missed: ${failed.map((r) => r.measurement).join('; ')}`);
  return values.check && failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // A mistyped flag is the user's error, not a crash: say what is accepted.
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      console.error(`${(err as Error).message}\n\n${usage()}`);
    } else console.error(err);
    process.exit(2);
  },
);
