/**
 * The short form of `pnpm load`, as part of `pnpm test`: every example app under a few hundred
 * requests of the mixed scenario mix, each app in its own process with `--expose-gc`. Asserts
 * correctness and bounds only; throughput is printed by `pnpm load`, never asserted.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BOUNDS as Bounds, CellResult } from '../src/load/run.js';

const CLI = fileURLToPath(new URL('../dist/load/cli.js', import.meta.url));

interface Report {
  readonly bounds: typeof Bounds;
  readonly results: readonly CellResult[];
}

describe('load (short form)', () => {
  it('every response is the expected problem or success; memory and log volume stay bounded', async () => {
    expect(
      existsSync(CLI),
      'build first: pnpm exec turbo run build --filter=@four29/security-suite',
    ).toBe(true);
    let stdout = '';
    try {
      ({ stdout } = await promisify(execFile)(
        process.execPath,
        ['--expose-gc', CLI, '--short', '--json'],
        {
          maxBuffer: 16 * 1024 * 1024,
        },
      ));
    } catch (err) {
      // A failed bound exits 1 but still prints the report: read it for the assertions below.
      stdout = (err as { stdout?: string }).stdout ?? '';
      if (stdout === '') throw err;
    }
    const report = JSON.parse(stdout) as Report;
    expect(report.results.map((r) => r.framework)).toEqual([
      'express',
      'koa',
      'hono',
      'nest',
      'fastify',
    ]);
    for (const r of report.results) {
      const where = `${r.framework} × ${r.mix}`;
      expect(r.failures, where).toEqual([]);
      expect(r.requests, where).toBe(500);
      expect(r.unexpected, `${where}: ${r.samples.join('; ')}`).toBe(0);
      expect(r.errors, where).toBe(0);
      expect(r.heapGrowth, where).toBeLessThanOrEqual(report.bounds.heapGrowthBytes);
      expect(r.externalGrowth, where).toBeLessThanOrEqual(report.bounds.externalGrowthBytes);
      expect(r.rssGrowth, where).toBeLessThanOrEqual(report.bounds.rssGrowthBytes);
      // The counters count: four29 answered hundreds of upstream errors and logged each kind.
      expect(r.upstreamErrors, where).toBeGreaterThan(200);
      expect(r.four29Lines, where).toBeGreaterThan(0);
      expect(r.four29Lines, where).toBeLessThanOrEqual(r.maxFour29Lines);
      expect(r.four29Lines, `${where}: suppression`).toBeLessThan(r.upstreamErrors / 10);
    }
  }, 300_000);
});

describe('the load checks can fail', () => {
  it('a wrong status, a non-problem body or a stream without its end are each caught', async () => {
    const { caseFor } = await import('../src/load/mixes.js');
    const { mismatch } = await import('../src/load/run.js');
    const limited = caseFor('/chat', 'rate_limited_tokens');
    expect(limited.expected).toEqual({ kind: 'problem', status: 503, problemKind: 'rate_limited' });
    const problem = '{"status":503,"kind":"rate_limited"}';
    const type = { 'Content-Type': 'application/problem+json' };
    expect(mismatch(limited, 503, problem, type)).toBeUndefined();
    expect(mismatch(limited, 500, problem, type)).toMatch(/status/);
    expect(mismatch(limited, 503, problem, { 'content-type': 'application/json' })).toMatch(
      /content-type/,
    );
    expect(mismatch(limited, 503, problem, { ...type, 'retry-after': '1.5' })).toMatch(
      /retry-after/,
    );
    expect(mismatch(limited, 503, '<html>', type)).toMatch(/unreadable/);
    const stream = caseFor('/chat/stream', 'ok');
    expect(mismatch(stream, 200, 'data: {"token":"Hi"}\n\ndata: [DONE]\n\n', {})).toBeUndefined();
    expect(mismatch(stream, 200, 'data: {"token":"Hi"}\n\n', {})).toMatch(/DONE/);
    const broken = caseFor('/chat/stream', 'stream_error');
    expect(mismatch(broken, 200, 'data: {"token":"Hi"}\n\n', {})).toMatch(/error event/);
  });
});
