import type { MachineInfo } from './machine.js';
import type { MicroResult } from './micro.js';
import type { Framework, Variant } from './servers/shared.js';
import { type CoreBreakdown, KB, type SizeResult } from './size.js';
import { max, min } from './stats.js';
import type {
  ComparisonResult,
  InServerResult,
  LoadSettings,
  Path,
  VariantResult,
} from './throughput.js';

export type Mode = 'full' | 'quick';

export interface BenchReport {
  readonly mode: Mode;
  readonly startedAt: string;
  readonly seconds: number;
  readonly machine: MachineInfo;
  readonly load: Readonly<Record<Path, LoadSettings>>;
  /** How load generator and servers were placed on CPUs. */
  readonly pinning: string;
  readonly throughput: readonly ComparisonResult[];
  /** The core handler's cost inside a loaded Hono server; undefined when not measured. */
  readonly inServer?: InServerResult | undefined;
  readonly micro: MicroResult | undefined;
  readonly sizes: readonly SizeResult[];
  readonly breakdown: CoreBreakdown | undefined;
}

export type Verdict = 'PASS' | 'FAIL' | 'info' | 'n/a (quick)';

export interface Row {
  readonly measurement: string;
  readonly result: string;
  readonly spread: string;
  readonly detail: string;
  readonly target: string;
  readonly verdict: Verdict;
}

export const HAPPY_TARGET = 0.98;
export const ERROR_TARGET = 0.9;

const FRAMEWORK_NAMES: Record<Framework, string> = {
  express: 'Express',
  koa: 'Koa',
  hono: 'Hono (node-server)',
  nest: 'Nest (Express)',
};

const VARIANT_NAMES: Record<Variant, string> = {
  bare: 'no four29',
  static: 'static 503 handler',
  four29: 'logger: false',
  'four29-pino': 'pino → /dev/null',
  'four29-pino-all': 'pino → /dev/null, logSuppression: false',
  'four29-timed': 'core handler timed in onError',
};

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function kb(bytes: number): string {
  return `${(bytes / KB).toFixed(2)} KB`;
}

function ms(value: number): string {
  return Number.isFinite(value) ? `${value} ms` : '?';
}

function disturbance(c: ComparisonResult): string {
  const parts: string[] = [];
  if (c.discardedRounds > 0) parts.push(`${c.discardedRounds} disturbed round(s) repeated`);
  if (c.disturbedRounds > 0) parts.push(`${c.disturbedRounds} disturbed round(s) kept`);
  return parts.length > 0 ? `; ${parts.join(', ')}` : '';
}

function targetFor(c: ComparisonResult, v: VariantResult): number | undefined {
  if (c.path === 'happy' && v.variant === 'four29') return HAPPY_TARGET;
  if (c.path === 'error' && v.variant === 'four29') return ERROR_TARGET;
  return undefined;
}

function throughputRow(mode: Mode, c: ComparisonResult, v: VariantResult): Row {
  const target = targetFor(c, v);
  const what =
    c.path === 'happy'
      ? 'happy path GET /ok, with/without four29'
      : `error path 429, four29 (${VARIANT_NAMES[v.variant]}) / static 503`;
  let verdict: Verdict = 'info';
  if (target !== undefined) {
    if (mode === 'quick') verdict = 'n/a (quick)';
    else verdict = v.ratio >= target ? 'PASS' : 'FAIL';
  }
  return {
    measurement: `${FRAMEWORK_NAMES[c.framework]}: ${what}`,
    result: v.ratio.toFixed(3),
    spread: `IQR ${v.ratioP25.toFixed(3)}–${v.ratioP75.toFixed(3)}, range ${v.ratioMin.toFixed(3)}–${v.ratioMax.toFixed(3)} (${v.ratios.length} rounds)`,
    detail: `${int.format(v.rps)}/s p99 ${ms(v.p99)} vs ${int.format(c.baseline.rps)}/s p99 ${ms(c.baseline.p99)}${disturbance(c)}`,
    target: target === undefined ? '—' : `≥ ${target.toFixed(2)}`,
    verdict,
  };
}

export function rows(report: BenchReport): Row[] {
  const out: Row[] = [];
  for (const c of report.throughput)
    for (const v of c.variants) out.push(throughputRow(report.mode, c, v));
  if (report.inServer !== undefined) {
    const s = report.inServer;
    out.push({
      measurement: 'Hono (node-server): core handler inside the server under error load',
      result: `${s.micros.toFixed(1)} µs/call`,
      spread: `range ${min(s.perRun).toFixed(1)}–${max(s.perRun).toFixed(1)} µs (${s.perRun.length} runs, ${int.format(s.calls)} calls)`,
      detail: 'createUpstreamErrorHandler({ logger: false }) timed in onError, same openai 429',
      target: '—',
      verdict: 'info',
    });
  }
  if (report.micro !== undefined) {
    for (const p of report.micro.providers) {
      out.push({
        measurement: `core classify + toProblem: ${p.provider} (${p.fixtures} fixture${p.fixtures === 1 ? '' : 's'})`,
        result: `${int.format(p.medianOps)} ops/s`,
        spread: `min ${int.format(p.minOps)} ops/s`,
        detail: `slowest: ${p.slowest}`,
        target: '—',
        verdict: 'info',
      });
    }
    const h = report.micro.handler;
    out.push({
      measurement: 'core createUpstreamErrorHandler, whole error (openai 429)',
      result: `${int.format(h.opsPerSecond)} ops/s`,
      spread: `${h.meanMicros.toFixed(1)} µs/call`,
      detail: 'classify, problem, body; logger: false (the log record is built only when read)',
      target: '—',
      verdict: 'info',
    });
    for (const step of report.micro.steps) {
      out.push({
        measurement: `core error path ${step.name}`,
        result: `${int.format(step.opsPerSecond)} ops/s`,
        spread: `${step.meanMicros.toFixed(1)} µs/call`,
        detail: 'same openai 429',
        target: '—',
        verdict: 'info',
      });
    }
  }
  for (const s of report.sizes) {
    out.push({
      measurement: `size ${s.name}, min+gzip`,
      result: kb(s.gzipBytes),
      spread: `${kb(s.minBytes)} min`,
      detail: `esbuild ESM bundle; external: ${s.external.filter((e) => e !== 'node:*').join(', ') || 'none'}`,
      target: s.target === undefined ? '—' : `≤ ${kb(s.target)}`,
      verdict: s.pass === undefined ? 'info' : s.pass ? 'PASS' : 'FAIL',
    });
  }
  return out;
}

const COLUMNS: readonly (keyof Row)[] = [
  'measurement',
  'result',
  'spread',
  'target',
  'verdict',
  'detail',
];
const HEADERS: Record<keyof Row, string> = {
  measurement: 'Measurement',
  result: 'Result',
  spread: 'Spread',
  detail: 'Detail',
  target: 'Target',
  verdict: 'Pass',
};

export function textTable(list: readonly Row[]): string {
  const widths = COLUMNS.map((c) => Math.max(HEADERS[c].length, ...list.map((r) => r[c].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(COLUMNS.map((c) => HEADERS[c])),
    line(widths.map((w) => '─'.repeat(w))),
    ...list.map((r) => line(COLUMNS.map((c) => r[c]))),
  ].join('\n');
}

function mdEscape(text: string): string {
  return text.replaceAll('|', '\\|');
}

export function markdownTable(list: readonly Row[]): string {
  return [
    `| ${COLUMNS.map((c) => HEADERS[c]).join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...list.map((r) => `| ${COLUMNS.map((c) => mdEscape(r[c])).join(' | ')} |`),
  ].join('\n');
}

export function machineLine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; load average at start ${m.loadAverage.map((l) => l.toFixed(2)).join(' / ')} (1/5/15 min)`;
}

/** The results block of docs/benchmarks.md. */
export function markdownResults(report: BenchReport): string {
  const m = report.machine;
  const parts = [
    `Run of ${report.startedAt.slice(0, 10)} (${report.mode} mode, ${Math.round(report.seconds)} s).`,
    '',
    `- Machine: ${machineLine(m)}.`,
    `- Versions: ${Object.entries(m.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    `- CPU pinning: ${report.pinning}.`,
    ...(['happy', 'error'] as const).map((path) => {
      const s = report.load[path];
      return `- Load, ${path} path: autocannon, ${s.connections} connections; ${s.generations} set(s) of fresh server processes, each warmed up ${s.warmup} s and then loaded for ${s.rounds} rounds of ${s.duration} s per server, alternating.`;
    }),
    '',
    markdownTable(rows(report)),
  ];
  if (report.micro !== undefined) {
    parts.push(
      '',
      '<details><summary>classify + toProblem per fixture</summary>',
      '',
      '| Fixture | Thrown as | ops/s | µs/call |',
      '| --- | --- | --- | --- |',
      ...report.micro.tasks.map(
        (t) =>
          `| ${t.name} | ${t.form} | ${int.format(t.opsPerSecond)} | ${t.meanMicros.toFixed(2)} |`,
      ),
      '',
      '</details>',
    );
  }
  if (report.breakdown !== undefined) {
    const b = report.breakdown;
    parts.push(
      '',
      `Where the core's ${kb(b.minBytes)} of minified code go (bundled from source):`,
      '',
      '| Area | Minified | Share |',
      '| --- | --- | --- |',
      ...b.areas.map(
        (a) =>
          `| ${a.area} | ${kb(a.minBytes)} | ${((100 * a.minBytes) / b.minBytes).toFixed(0)}% |`,
      ),
      '',
      `The remediation catalogue alone is ${kb(b.catalogueGzipBytes)} min+gzip.`,
    );
  }
  return parts.join('\n');
}
