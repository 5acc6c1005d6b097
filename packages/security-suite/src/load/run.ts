/**
 * The load run: each example app in its own process (src/load/host.ts), the mock upstream and
 * autocannon in this one. Every response is checked against what the scenario must produce;
 * memory is read after a forced GC before and after the measured requests; log lines are counted
 * at the app's pino destination. Throughput is reported, never asserted.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startMockUpstream } from '@four29/mock-upstream';
import autocannon from 'autocannon';
import type { Framework, HostMessage, HostStats } from './host.js';
import { type Case, MIXES, type Mix } from './mixes.js';

const HOST = fileURLToPath(new URL('./host.js', import.meta.url));

export interface LoadOptions {
  readonly frameworks: readonly Framework[];
  readonly mixes: readonly string[];
  /** Measured requests per framework and mix. */
  readonly requests: number;
  /** Requests before the baseline is taken (JIT, pools, first log lines of each kind). */
  readonly warmup: number;
  readonly connections: number;
}

/**
 * The bounds every cell must stay within, measured after a forced GC before and after the measured
 * requests. The heap is the sensitive one: a leak of a few hundred bytes per request shows over
 * 10,000 requests. `external` (Buffers and other memory V8 tracks outside the heap) catches leaked
 * bodies and sockets the same way. RSS swings by tens of megabytes between two samples of an idle
 * process (V8 and the allocator keep or return pages lazily), so its bound only catches gross
 * native leaks.
 */
export const BOUNDS = {
  heapGrowthBytes: 8 * 1024 * 1024,
  externalGrowthBytes: 8 * 1024 * 1024,
  rssGrowthBytes: 128 * 1024 * 1024,
} as const;

export interface CellResult {
  readonly framework: Framework;
  readonly mix: string;
  readonly requests: number;
  /** Responses that were not exactly what the scenario must produce. */
  readonly unexpected: number;
  readonly samples: readonly string[];
  /** Socket errors and timeouts autocannon saw. */
  readonly errors: number;
  readonly rps: number;
  readonly heapGrowth: number;
  readonly rssGrowth: number;
  readonly externalGrowth: number;
  /** four29 upstream-error records and suppression summaries written during warm-up and run. */
  readonly four29Lines: number;
  readonly summaries: number;
  /** Upstream errors four29 answered during warm-up and run. */
  readonly upstreamErrors: number;
  /** All lines the app logged during warm-up and run. */
  readonly logLines: number;
  readonly maxFour29Lines: number;
  readonly failures: readonly string[];
}

interface Tally {
  checked: number;
  unexpected: number;
  upstreamErrors: number;
  samples: string[];
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? String(v[0]) : String(v);
  }
  return undefined;
}

/** Why a response is not what `c` must produce, or undefined when it is. */
export function mismatch(
  c: Case,
  status: number,
  body: string,
  headers: Record<string, unknown>,
): string | undefined {
  const type = header(headers, 'content-type') ?? '';
  const e = c.expected;
  try {
    if (e.kind === 'success') {
      if (status !== 200) return `status ${status}`;
      if (e.stream) return body.endsWith('data: [DONE]\n\n') ? undefined : 'stream without [DONE]';
      return typeof (JSON.parse(body) as { reply?: unknown }).reply === 'string'
        ? undefined
        : 'no reply';
    }
    if (e.kind === 'stream-problem') {
      if (status !== 200) return `status ${status}`;
      const at = body.indexOf('event: error\ndata: ');
      if (at === -1 || body.includes('[DONE]')) return 'no error event';
      const doc = JSON.parse(body.slice(at + 19, body.indexOf('\n', at + 19))) as {
        kind?: unknown;
      };
      return doc.kind === e.problemKind ? undefined : `event kind ${String(doc.kind)}`;
    }
    if (status !== e.status) return `status ${status}, expected ${e.status}`;
    if (type !== 'application/problem+json') return `content-type ${type}`;
    const retryAfter = header(headers, 'retry-after');
    if (retryAfter !== undefined && !/^\d+$/.test(retryAfter)) return `retry-after ${retryAfter}`;
    const doc = JSON.parse(body) as { kind?: unknown; status?: unknown };
    if (doc.kind !== e.problemKind || doc.status !== status) return `problem ${String(doc.kind)}`;
    return undefined;
  } catch (err) {
    return `unreadable body (${String(err)})`;
  }
}

function requestsFor(mix: Mix, tally: Tally): autocannon.Request[] {
  return mix.cases.map((c) => ({
    method: 'POST',
    path: c.route,
    headers: { 'content-type': 'application/json', 'x-mock-scenario': c.scenario },
    body: JSON.stringify({ prompt: 'Say hello in five words.' }),
    onResponse: (status: number, body: string, _context: object, headers: unknown) => {
      tally.checked++;
      if (c.expected.kind !== 'success') tally.upstreamErrors++;
      const why = mismatch(c, status, body, (headers ?? {}) as Record<string, unknown>);
      if (why === undefined) return;
      tally.unexpected++;
      if (tally.samples.length < 5) tally.samples.push(`${c.route} ${c.scenario}: ${why}`);
    },
  }));
}

async function drive(url: string, mix: Mix, amount: number, connections: number, tally: Tally) {
  const start = performance.now();
  const result = await autocannon({
    url,
    amount,
    connections,
    timeout: 20,
    requests: requestsFor(mix, tally),
  });
  // autocannon's own duration counts whole one-second ticks: too coarse for short runs.
  return { result, seconds: (performance.now() - start) / 1000 };
}

interface Host {
  readonly url: string;
  stats(): Promise<HostStats>;
  close(): Promise<void>;
}

async function startHost(framework: Framework, mockUrl: string): Promise<Host> {
  const child = fork(HOST, [framework, mockUrl], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = async <T extends HostMessage['type']>(type: T) => {
    for (;;) {
      const [message] = (await once(child, 'message')) as [HostMessage];
      if (message.type === type) return message as Extract<HostMessage, { type: T }>;
    }
  };
  const ready = await Promise.race([
    next('ready'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${framework} host exited with ${String(code)} before listening`);
    }),
  ]);
  return {
    url: ready.url,
    async stats() {
      const answer = next('stats');
      child.send({ type: 'stats' });
      return answer;
    },
    async close() {
      const exited = once(child, 'exit');
      child.send({ type: 'close' });
      await exited;
    },
  };
}

export async function runLoad(
  options: LoadOptions,
  progress?: (line: string) => void,
): Promise<CellResult[]> {
  // A bucket no load run can exhaust: the `ok` scenario must always succeed.
  const mock = await startMockUpstream({
    bucket: { requestsPerMinute: 1e9, tokensPerMinute: 1e12 },
  });
  const results: CellResult[] = [];
  try {
    for (const framework of options.frameworks) {
      const host = await startHost(framework, mock.url);
      try {
        for (const name of options.mixes) {
          const mix = MIXES.find((m) => m.name === name);
          if (mix === undefined) throw new Error(`unknown mix ${name}`);
          progress?.(
            `${framework} × ${mix.name}: ${options.warmup} warm-up + ${options.requests} requests`,
          );
          const start = await host.stats();
          const warm: Tally = { checked: 0, unexpected: 0, upstreamErrors: 0, samples: [] };
          const { seconds: warmSeconds } = await drive(
            host.url,
            mix,
            options.warmup,
            options.connections,
            warm,
          );
          const before = await host.stats();
          const tally: Tally = { checked: 0, unexpected: 0, upstreamErrors: 0, samples: [] };
          const { result: run, seconds } = await drive(
            host.url,
            mix,
            options.requests,
            options.connections,
            tally,
          );
          const after = await host.stats();
          mock.reset();
          results.push(
            cell(framework, mix, options, run, seconds, warmSeconds, warm, tally, {
              start,
              before,
              after,
            }),
          );
        }
      } finally {
        await host.close();
      }
    }
  } finally {
    await mock.close();
  }
  return results;
}

function cell(
  framework: Framework,
  mix: Mix,
  options: LoadOptions,
  run: { readonly errors: number; readonly timeouts: number },
  elapsed: number,
  warmElapsed: number,
  warm: Tally,
  tally: Tally,
  stats: { readonly start: HostStats; readonly before: HostStats; readonly after: HostStats },
): CellResult {
  const { start, before, after } = stats;
  const seconds = Math.max(elapsed, 0.001);
  // With suppression on, each distinct upstream failure logs once per window (60 s) and one
  // summary when the window closes: at most two lines per kind of failure per started minute.
  // Counted from before the warm-up, which logs the first failure of each kind.
  const kinds = new Set(
    mix.cases.filter((c) => c.expected.kind !== 'success').map((c) => `${c.route} ${c.scenario}`),
  );
  const maxFour29Lines = 2 * kinds.size * (1 + Math.floor((seconds + warmElapsed) / 60));
  const four29Lines =
    after.log.four29 + after.log.summaries - start.log.four29 - start.log.summaries;
  const errors = run.errors + run.timeouts;
  const unexpected =
    tally.unexpected + warm.unexpected + Math.max(0, options.requests - tally.checked);
  const failures: string[] = [];
  if (unexpected > 0)
    failures.push(
      `${unexpected} unexpected responses (${[...warm.samples, ...tally.samples].join('; ')})`,
    );
  if (errors > 0) failures.push(`${errors} socket errors or timeouts`);
  const heapGrowth = after.heapUsed - before.heapUsed;
  const rssGrowth = after.rss - before.rss;
  const externalGrowth = after.external - before.external;
  if (heapGrowth > BOUNDS.heapGrowthBytes) failures.push(`heap grew ${mb(heapGrowth)} MB`);
  if (externalGrowth > BOUNDS.externalGrowthBytes) {
    failures.push(`external memory grew ${mb(externalGrowth)} MB`);
  }
  if (rssGrowth > BOUNDS.rssGrowthBytes) failures.push(`RSS grew ${mb(rssGrowth)} MB`);
  if (four29Lines > maxFour29Lines)
    failures.push(`${four29Lines} four29 log lines, bound ${maxFour29Lines}`);
  return {
    framework,
    mix: mix.name,
    requests: tally.checked,
    unexpected,
    samples: [...warm.samples, ...tally.samples],
    errors,
    rps: tally.checked / seconds,
    heapGrowth,
    rssGrowth,
    externalGrowth,
    four29Lines,
    summaries: after.log.summaries - start.log.summaries,
    upstreamErrors: tally.upstreamErrors + warm.upstreamErrors,
    logLines: after.log.lines - start.log.lines,
    maxFour29Lines,
    failures,
  };
}

export function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
