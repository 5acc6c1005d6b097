/**
 * `pnpm load`: every example app under load with the mock upstream answering a mix of scenarios,
 * one table (framework × mix → requests, unexpected responses, throughput, heap/RSS growth, log
 * lines). Exits 1 when any response was not what its scenario must produce or a bound was crossed.
 *
 *   node --expose-gc dist/load/cli.js [--short] [--json] [--requests N] [--connections N]
 *                                     [--frameworks express,koa,hono,nest,fastify] [--mixes success,errors,mixed]
 *
 * `--short` is the CI form run by `pnpm test` (test/load.test.ts): a few thousand requests in all.
 */
import { parseArgs } from 'node:util';
import { FRAMEWORKS, type Framework } from './host.js';
import { MIXES } from './mixes.js';
import { BOUNDS, type CellResult, type LoadOptions, mb, runLoad } from './run.js';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    requests: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    frameworks: { type: 'string' },
    mixes: { type: 'string' },
  },
});

function list<T extends string>(
  value: string | undefined,
  all: readonly T[],
  fallback: readonly T[],
): T[] {
  if (value === undefined) return [...fallback];
  const picked = value.split(',').map((v) => v.trim()) as T[];
  for (const p of picked)
    if (!all.includes(p)) throw new Error(`unknown ${p}; choose from ${all.join(', ')}`);
  return picked;
}

const allMixes = MIXES.map((m) => m.name);
const options: LoadOptions = {
  frameworks: list<Framework>(values.frameworks, FRAMEWORKS, FRAMEWORKS),
  mixes: list(values.mixes, allMixes, values.short ? ['mixed'] : allMixes),
  requests: Number(values.requests ?? (values.short ? 500 : 10_000)),
  warmup: Number(values.warmup ?? (values.short ? 100 : 500)),
  connections: Number(values.connections ?? (values.short ? 8 : 16)),
};

function table(results: readonly CellResult[]): string {
  const head = [
    'framework',
    'mix',
    'requests',
    'unexpected',
    'req/s',
    'heap Δ MB',
    'external Δ MB',
    'RSS Δ MB',
    'upstream errors',
    'log lines',
    'four29 lines (bound)',
    'ok',
  ];
  const rows = results.map((r) => [
    r.framework,
    r.mix,
    String(r.requests),
    String(r.unexpected + r.errors),
    r.rps.toFixed(0),
    mb(r.heapGrowth),
    mb(r.externalGrowth),
    mb(r.rssGrowth),
    String(r.upstreamErrors),
    String(r.logLines),
    `${r.four29Lines} (${r.maxFour29Lines})`,
    r.failures.length === 0 ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const results = await runLoad(options, values.json ? undefined : (l) => console.error(l));
const failed = results.filter((r) => r.failures.length > 0);
if (values.json) {
  console.log(JSON.stringify({ options, bounds: BOUNDS, results }));
} else {
  console.log(`\n${table(results)}\n`);
  console.log(
    `Bounds after a forced GC: heap growth ≤ ${mb(BOUNDS.heapGrowthBytes)} MB, external ≤ ${mb(BOUNDS.externalGrowthBytes)} MB, RSS ≤ ${mb(BOUNDS.rssGrowthBytes)} MB; ` +
      'four29 log lines (warm-up included) ≤ 2 per kind of upstream failure per started minute, storm suppression on. ' +
      'Throughput is reported, not asserted.',
  );
  for (const r of failed) console.log(`FAILED ${r.framework} × ${r.mix}: ${r.failures.join('; ')}`);
}
process.exitCode = failed.length > 0 ? 1 : 0;
