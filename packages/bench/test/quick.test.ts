/**
 * CI smoke test: `bench --quick` end to end, as `pnpm bench --quick` runs it. It proves the bench
 * still runs and that every measurement yields a number; throughput ratios from a sub-second run
 * on a shared CI machine are not measurements, so none is judged here. Sizes are deterministic,
 * so their targets are asserted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/report.js';
import { SIZE_SPECS } from '../src/size.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/**
 * Targets the code misses today (see docs/benchmarks.md, "Size"), each with a ceiling it must not
 * grow past until fixed: about 13% above the 26.5 KB measured when this was written, room for the
 * core's ongoing work but not for a second copy of the catalogue or a bundled dependency. The test
 * fails if one of these starts meeting its target, so the entry is removed and the real target
 * guarded again.
 */
const KNOWN_SIZE_MISSES: Readonly<Record<string, number>> = {
  '@four29/core': 30 * 1024,
};

let dir: string;
let report: BenchReport;
let stdout: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'four29-bench-'));
  const json = join(dir, 'report.json');
  const run = spawnSync(process.execPath, [CLI, '--quick', '--json', json], {
    encoding: 'utf8',
    timeout: 280_000,
  });
  if (run.status !== 0) {
    throw new Error(
      `bench --quick exited ${run.status ?? run.signal}\n${run.stderr}\n${run.stdout}`,
    );
  }
  stdout = run.stdout;
  report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
}, 300_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function positive(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

describe('bench --quick', () => {
  it('describes the machine it ran on', () => {
    expect(report.mode).toBe('quick');
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    expect(report.machine.cpu.length).toBeGreaterThan(0);
  });

  it('measures the happy and the error path of every framework, every variant, every round', () => {
    const seen = report.throughput.map((c) => `${c.framework}/${c.path}`).sort();
    expect(seen).toEqual(
      ['express', 'hono', 'koa', 'nest'].flatMap((f) => [`${f}/error`, `${f}/happy`]).sort(),
    );
    for (const c of report.throughput) {
      expect(positive(c.baseline.rps), `${c.framework} ${c.path} baseline`).toBe(true);
      expect(Number.isFinite(c.baseline.p99)).toBe(true);
      expect(c.variants.length).toBe(c.path === 'happy' ? 1 : 3);
      for (const v of c.variants) {
        const where = `${c.framework} ${c.path} ${v.variant}`;
        expect(positive(v.rps), where).toBe(true);
        expect(positive(v.ratio), where).toBe(true);
        expect(v.ratios.length, where).toBe(
          report.load[c.path].rounds * report.load[c.path].generations,
        );
        expect(v.ratios.every(positive), where).toBe(true);
        expect(Number.isFinite(v.p99), where).toBe(true);
      }
      for (const run of c.runs) {
        expect(run.requests, `${c.framework} ${c.path} ${run.variant}`).toBeGreaterThan(0);
        expect(run.errors).toBe(0);
        expect(run.unexpectedStatus).toBe(0);
      }
    }
  });

  it('times the core handler inside a loaded Hono server, on every call of every run', () => {
    const s = report.inServer;
    expect(s).toBeDefined();
    expect(s?.perRun.length).toBe(report.load.error.rounds);
    expect(s?.perRun.every(positive)).toBe(true);
    expect(positive(s?.micros)).toBe(true);
    expect(s?.calls).toBeGreaterThan(0);
    expect(stdout).toMatch(/Hono \(node-server\): core handler inside the server .* info/);
  });

  it('times classify + toProblem for every fixture and the whole handler', () => {
    const micro = report.micro;
    expect(micro).toBeDefined();
    expect(micro?.tasks.length).toBeGreaterThan(40);
    for (const t of micro?.tasks ?? []) expect(positive(t.opsPerSecond), t.name).toBe(true);
    for (const p of micro?.providers ?? []) expect(positive(p.medianOps), p.provider).toBe(true);
    expect(positive(micro?.handler.opsPerSecond)).toBe(true);
    expect(micro?.steps.length).toBe(3);
    for (const s of micro?.steps ?? []) expect(positive(s.opsPerSecond), s.name).toBe(true);
  });

  it('holds the size targets', () => {
    expect(report.sizes.map((s) => s.name)).toEqual(SIZE_SPECS.map((s) => s.name));
    for (const s of report.sizes) {
      expect(positive(s.gzipBytes), s.name).toBe(true);
      expect(s.gzipBytes, s.name).toBeLessThan(s.minBytes);
      if (s.target === undefined) continue;
      const ceiling = KNOWN_SIZE_MISSES[s.name];
      if (ceiling === undefined) {
        expect(s.gzipBytes, `${s.name} min+gzip`).toBeLessThanOrEqual(s.target);
      } else {
        expect(s.gzipBytes, `${s.name} grew past its known-miss ceiling`).toBeLessThanOrEqual(
          ceiling,
        );
        expect(
          s.gzipBytes,
          `${s.name} meets its target now: drop it from KNOWN_SIZE_MISSES`,
        ).toBeGreaterThan(s.target);
      }
    }
  });

  it('lets a consumer of one helper leave the rest of the core behind', () => {
    // Guards the pure annotations and the lazily built catalogue: one impure module-level
    // statement would pull the classifier or the remediation prose (~20 KB) back in.
    const size = (name: string) => report.sizes.find((s) => s.name === name)?.gzipBytes;
    expect(size('@four29/core (redact only)')).toBeLessThan(3 * 1024);
    expect(size('@four29/core (toProblem only)')).toBeLessThan(5 * 1024);
  });

  it('prints one table with a verdict per target', () => {
    expect(stdout).toMatch(/^Measurement\s+Result\s+Spread\s+Target\s+Pass\s+Detail$/m);
    expect(stdout).toMatch(/size @four29\/express, min\+gzip .* PASS/);
    expect(stdout).toMatch(/Express: happy path .* n\/a \(quick\)/);
    expect(stdout).toContain('Quick mode: smoke run only');
  });
});
