import type { MachineInfo } from './machine.js';
import type { MicroResult } from './micro.js';
import type { PlannedComparison, RowSpec, Target } from './plan.js';
import {
  type CoreBreakdown,
  KB,
  type RecordedSizes,
  SIZE_TOLERANCE,
  type SizeResult,
  sizeProblem,
} from './size.js';
import { max, median, min, quantile } from './stats.js';
import type { ComparisonResult, LoadSettings, Path, RunStats } from './throughput.js';

export type Mode = 'full' | 'quick';

export interface BenchReport {
  readonly mode: Mode;
  readonly startedAt: string;
  readonly seconds: number;
  readonly machine: MachineInfo;
  readonly load: Readonly<Record<Path, LoadSettings>>;
  /** How load generator and servers were placed on CPUs. */
  readonly pinning: string;
  readonly throughput: readonly ComparisonResult<PlannedComparison>[];
  readonly micro: MicroResult | undefined;
  readonly sizes: readonly SizeResult[];
  readonly recordedSizes: RecordedSizes | undefined;
  readonly breakdown: CoreBreakdown | undefined;
}

/** `noise`: the identical servers measured alongside differ by more than the margin to the target. */
export type Verdict = 'PASS' | 'FAIL' | 'noise' | 'info' | 'n/a (quick)';

export interface Row {
  readonly measurement: string;
  readonly result: string;
  /** The row's value as a number (NaN when none), for checks. */
  readonly value: number;
  readonly spread: string;
  readonly detail: string;
  readonly target: string;
  readonly verdict: Verdict;
}

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

/** One value per round for a row: a ratio, a CPU difference or a core time. */
export function roundValues(
  kind: RowSpec['kind'],
  num: string,
  den: string | undefined,
  rounds: readonly Readonly<Record<string, RunStats>>[],
): number[] {
  return rounds.map((r) => {
    const a = r[num];
    const b = den === undefined ? undefined : r[den];
    if (a === undefined) return Number.NaN;
    if (kind === 'core') return a.coreMicrosPerCall;
    if (b === undefined) return Number.NaN;
    if (kind === 'ratio') return a.rps / b.rps;
    const added = a.cpuMicrosPerRequest - b.cpuMicrosPerRequest;
    return kind === 'cpu' ? added : added - a.coreMicrosPerCall;
  });
}

/**
 * How far the identical pair's interquartile range reaches from "no difference" (a ratio of 1, a
 * CPU difference of 0): both the pair's offset and its round-to-round scatter.
 */
export function aaSpread(kind: RowSpec['kind'], values: readonly number[]): number {
  const identity = kind === 'ratio' ? 1 : 0;
  return Math.max(
    Math.abs(quantile(values, 0.25) - identity),
    Math.abs(quantile(values, 0.75) - identity),
  );
}

export function verdictFor(
  mode: Mode,
  value: number,
  target: Target | undefined,
  spread: number | undefined,
): Verdict {
  if (target === undefined) return 'info';
  if (mode === 'quick') return 'n/a (quick)';
  if (!Number.isFinite(value)) return 'FAIL';
  if (spread !== undefined && !(spread <= Math.abs(value - target.bound))) return 'noise';
  const pass = target.op === '>=' ? value >= target.bound : value <= target.bound;
  return pass ? 'PASS' : 'FAIL';
}

function formatValue(kind: RowSpec['kind'], value: number): string {
  return kind === 'ratio' ? value.toFixed(3) : `${value.toFixed(1)} µs`;
}

function formatTarget(kind: RowSpec['kind'], t: Target): string {
  return `${t.op === '>=' ? '≥' : '≤'} ${kind === 'ratio' ? t.bound.toFixed(2) : `${t.bound} µs`}`;
}

/** By how much a missed target is missed, in the row's own unit and relative to the target. */
function missedBy(kind: RowSpec['kind'], value: number, t: Target): string {
  const gap = Math.abs(value - t.bound);
  const pct = t.bound === 0 ? '' : ` (${((100 * gap) / t.bound).toFixed(1)} % of the target)`;
  return kind === 'ratio'
    ? `missed by ${gap.toFixed(3)}${pct}`
    : `missed by ${gap.toFixed(1)} µs${pct}`;
}

function slotDetail(c: ComparisonResult, spec: RowSpec): string {
  const of = (id: string | undefined) => c.slots.find((s) => s.slot.id === id);
  const a = of(spec.num);
  const b = of(spec.den);
  switch (spec.kind) {
    case 'ratio':
      return `${int.format(a?.rps ?? Number.NaN)}/s p99 ${ms(a?.p99 ?? Number.NaN)} vs ${int.format(b?.rps ?? Number.NaN)}/s p99 ${ms(b?.p99 ?? Number.NaN)}`;
    case 'cpu':
    case 'adapter':
      return `CPU per request ${(a?.cpuMicrosPerRequest ?? Number.NaN).toFixed(1)} vs ${(b?.cpuMicrosPerRequest ?? Number.NaN).toFixed(1)} µs`;
    case 'core':
      return `${int.format(c.rounds.reduce((n, r) => n + (r[spec.num]?.coreCalls ?? 0), 0))} calls`;
  }
}

function comparisonRow(mode: Mode, c: ComparisonResult<PlannedComparison>, spec: RowSpec): Row {
  const values = roundValues(spec.kind, spec.num, spec.den, c.rounds);
  const value = median(values);
  const spread =
    spec.aa === undefined
      ? undefined
      : aaSpread(spec.kind, roundValues(spec.kind, spec.aa.num, spec.aa.den, c.rounds));
  const verdict = verdictFor(mode, value, spec.target, spread);
  const notes = [slotDetail(c, spec)];
  if (spec.note !== undefined) notes.push(spec.note);
  if (spread !== undefined) {
    notes.push(
      `A/A spread ±${spec.kind === 'ratio' ? spread.toFixed(3) : `${spread.toFixed(1)} µs`}`,
    );
  }
  if (spec.target !== undefined && verdict === 'FAIL') {
    notes.push(missedBy(spec.kind, value, spec.target));
  }
  if (spec.target !== undefined && verdict === 'noise') {
    notes.push(
      `its margin to the target, ${formatValue(spec.kind, Math.abs(value - spec.target.bound))}, is inside the A/A spread`,
    );
  }
  const unit = spec.kind === 'ratio' ? (v: number) => v.toFixed(3) : (v: number) => v.toFixed(1);
  return {
    measurement: `${c.comparison.label}: ${spec.name}`,
    result: formatValue(spec.kind, value),
    value,
    spread: `IQR ${unit(quantile(values, 0.25))}–${unit(quantile(values, 0.75))}, range ${unit(min(values))}–${unit(max(values))} (${values.length} rounds)`,
    detail: `${notes.join('; ')}${disturbance(c)}`,
    target: spec.target === undefined ? '—' : formatTarget(spec.kind, spec.target),
    verdict,
  };
}

export function rows(report: BenchReport): Row[] {
  const out: Row[] = [];
  for (const c of report.throughput)
    for (const spec of c.comparison.rows) out.push(comparisonRow(report.mode, c, spec));
  if (report.micro !== undefined) {
    for (const p of report.micro.providers) {
      out.push({
        measurement: `core classify + toProblem: ${p.provider} (${p.fixtures} fixture${p.fixtures === 1 ? '' : 's'})`,
        result: `${int.format(p.medianOps)} ops/s`,
        value: p.medianOps,
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
      value: h.opsPerSecond,
      spread: `${h.meanMicros.toFixed(1)} µs/call`,
      detail: 'classify, problem, body; logger: false (the log record is built only when read)',
      target: '—',
      verdict: 'info',
    });
    for (const step of report.micro.steps) {
      out.push({
        measurement: `core error path ${step.name}`,
        result: `${int.format(step.opsPerSecond)} ops/s`,
        value: step.opsPerSecond,
        spread: `${step.meanMicros.toFixed(1)} µs/call`,
        detail: 'same openai 429',
        target: '—',
        verdict: 'info',
      });
    }
  }
  for (const s of report.sizes) {
    const recorded = report.recordedSizes?.gzipBytes[s.name];
    const problem = sizeProblem(s, report.recordedSizes);
    out.push({
      measurement: `size ${s.name}, min+gzip`,
      result: kb(s.gzipBytes),
      value: s.gzipBytes,
      spread: `${kb(s.minBytes)} min`,
      detail: `${problem ?? `recorded ${recorded === undefined ? '?' : kb(recorded)}`}; esbuild ESM bundle; external: ${s.external.filter((e) => e !== 'node:*').join(', ') || 'none'}`,
      target: recorded === undefined ? 'recorded' : `≤ ${kb(recorded * (1 + SIZE_TOLERANCE))}`,
      verdict: problem === undefined ? 'PASS' : 'FAIL',
    });
  }
  return out;
}

const COLUMNS = ['measurement', 'result', 'spread', 'target', 'verdict', 'detail'] as const;
type Column = (typeof COLUMNS)[number];
const HEADERS: Record<Column, string> = {
  measurement: 'Measurement',
  result: 'Result',
  spread: 'Spread',
  detail: 'Detail',
  target: 'Target',
  verdict: 'Verdict',
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
    );
    if (b.catalogueGzipBytes !== undefined) {
      parts.push('', `The remediation catalogue alone is ${kb(b.catalogueGzipBytes)} min+gzip.`);
    }
  }
  return parts.join('\n');
}
