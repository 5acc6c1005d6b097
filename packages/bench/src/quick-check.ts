/**
 * What `bench --quick` asserts, as a plain node process (CI runs it as the bench's test, outside
 * vitest's worker, whose RPC a minute-long blocking run starved on a busy 2-core machine): every
 * server was loaded and measured, every row has a number, and no bundle grew past its recorded
 * figure by more than 10 %. Throughput values are not judged: sub-second runs on a shared machine.
 */
import type { BenchReport, Row } from './report.js';
import { SIZE_SPECS } from './size.js';

const positive = (v: number): boolean => Number.isFinite(v) && v > 0;

export function quickProblems(report: BenchReport, table: readonly Row[]): string[] {
  const problems: string[] = [];
  for (const c of report.throughput) {
    const where = `${c.comparison.framework} ${c.comparison.path}`;
    const want = report.load[c.comparison.path].rounds * report.load[c.comparison.path].generations;
    if (c.rounds.length !== want) problems.push(`${where}: ${c.rounds.length} rounds, not ${want}`);
    for (const s of c.slots) {
      if (!positive(s.rps)) problems.push(`${where} ${s.slot.id}: no requests/s`);
      if (!positive(s.cpuMicrosPerRequest)) problems.push(`${where} ${s.slot.id}: no CPU time`);
      const four29 = s.slot.variant.startsWith('four29');
      // The core is called on the error path only, and only through four29's adapters.
      if (four29 && c.comparison.path === 'error' && !positive(s.coreMicrosPerCall))
        problems.push(`${where} ${s.slot.id}: the core handler was not timed`);
      if (!four29 && Number.isFinite(s.coreMicrosPerCall))
        problems.push(`${where} ${s.slot.id}: called the four29 core without four29`);
    }
  }
  for (const r of table) {
    if (!Number.isFinite(r.value)) problems.push(`${r.measurement}: no number`);
  }
  if (report.micro !== undefined) {
    if (report.micro.tasks.length < 40) problems.push('microbenchmarks: fewer than 40 fixtures');
    if (!report.micro.tasks.every((t) => positive(t.opsPerSecond)))
      problems.push('microbenchmarks: a task measured nothing');
  }
  if (report.sizes.length > 0) {
    const names = report.sizes.map((s) => s.name).join(', ');
    if (names !== SIZE_SPECS.map((s) => s.name).join(', '))
      problems.push(`sizes: measured ${names}`);
  }
  for (const r of table) {
    if (r.measurement.startsWith('size ') && r.verdict === 'FAIL')
      problems.push(`${r.measurement}: ${r.detail.split(';')[0]}`);
  }
  return problems;
}
