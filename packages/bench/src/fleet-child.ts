/**
 * One instance of the fleet benchmark: M callers through the real `openai` SDK, with no pacing,
 * a paced fetch of its own, or a paced fetch on the shared Redis store. Forked by fleet.ts.
 */
import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createRedisStore } from '@four29/redis';
import { createPacedFetch, type PacingStore } from '@four29/resilience';
import OpenAI from 'openai';
import { createClient } from 'redis';

/**
 * `redis`: the store with the default `storeTimeoutMs` (50 ms). `redis-patient`: the same with
 * 1 s, so a round trip slowed by a starved event loop still decides instead of the fallback.
 */
export type FleetVariant = 'none' | 'per-process' | 'redis' | 'redis-patient';

export interface FleetChildConfig {
  readonly upstreamUrl: string;
  readonly redisUrl: string;
  readonly variant: FleetVariant;
  readonly callers: number;
  readonly maxTokens: number;
  readonly prompt: string;
}

export type ParentMessage =
  | { readonly type: 'config'; readonly config: FleetChildConfig }
  | { readonly type: 'go'; readonly startAt: number; readonly endAt: number };

export interface FleetChildResult {
  readonly ok: number;
  /** 429s the upstream sent (the SDK saw them; maxRetries 0, so each is one request). */
  readonly upstream429: number;
  /** Local 429s of the paced fetch (held past maxWaitMs); never reached the upstream. */
  readonly local429: number;
  /** Requests still held when the run ended, aborted. */
  readonly aborted: number;
  readonly otherErrors: number;
  /** Duration of each store call (paceAcquire, paceRelease), ms. */
  readonly storeMs: readonly number[];
  /** Warnings the paced fetch logged: one per store outage (no answer within storeTimeoutMs). */
  readonly storeWarnings: number;
  /** This instance's event-loop delay p99 over the run, ms: a store timeout shorter than it fires. */
  readonly loopLagP99: number;
}

export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly result: FleetChildResult }
  | { readonly type: 'error'; readonly message: string };

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Times every store call: the round trip the shared budget adds to a request, twice. */
function timed(store: PacingStore, samples: number[]): PacingStore {
  return {
    async paceAcquire(...args) {
      const t = performance.now();
      try {
        return await store.paceAcquire(...args);
      } finally {
        samples.push(performance.now() - t);
      }
    },
    async paceRelease(...args) {
      const t = performance.now();
      try {
        return await store.paceRelease(...args);
      } finally {
        samples.push(performance.now() - t);
      }
    },
  };
}

function statusOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
}

function pacedLocally(err: unknown): boolean {
  const headers = (err as { headers?: { get?: (name: string) => string | null } }).headers;
  return typeof headers?.get === 'function' && headers.get('x-four29-paced') !== null;
}

async function run(config: FleetChildConfig): Promise<void> {
  const storeMs: number[] = [];
  let redis: ReturnType<typeof createClient> | undefined;
  let fetchImpl: typeof fetch | undefined;
  let storeWarnings = 0;
  if (config.variant === 'redis' || config.variant === 'redis-patient') {
    redis = createClient({ url: config.redisUrl, disableOfflineQueue: true });
    redis.on('error', () => {});
    await redis.connect();
    const store = timed(createRedisStore({ client: redis }), storeMs);
    fetchImpl = createPacedFetch({
      store,
      logger: { warn: () => storeWarnings++ },
      ...(config.variant === 'redis-patient' ? { storeTimeoutMs: 1000 } : {}),
    }) as typeof fetch;
  } else if (config.variant === 'per-process') {
    fetchImpl = createPacedFetch({ logger: false }) as typeof fetch;
  }
  // maxRetries 0: every request the SDK sends is one a caller asked for, so the upstream's count
  // of 429s is the fleet's, and no SDK backoff hides (or adds) load.
  const client = new OpenAI({
    apiKey: 'sk-fleet-bench-shared-key',
    baseURL: `${config.upstreamUrl}/v1`,
    maxRetries: 0,
    ...(fetchImpl !== undefined ? { fetch: fetchImpl } : {}),
  });

  const body = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user' as const, content: config.prompt }],
    max_tokens: config.maxTokens,
  };
  // One request before the run warms the SDK, the connection pool and the store scripts; it
  // falls in a window before the run's first one, so it spends none of the measured budget.
  await client.chat.completions.create(body).catch(() => {});
  storeMs.length = 0;
  storeWarnings = 0;

  const go = await new Promise<{ startAt: number; endAt: number }>((resolve) => {
    process.on('message', (m: ParentMessage) => {
      if (m.type === 'go') resolve({ startAt: m.startAt, endAt: m.endAt });
    });
    send({ type: 'ready' });
  });

  const counts = { ok: 0, upstream429: 0, local429: 0, aborted: 0, otherErrors: 0 };
  const stop = new AbortController();
  // Every request in flight listens on the one signal that ends the run.
  setMaxListeners(0, stop.signal);
  await new Promise((r) => setTimeout(r, Math.max(0, go.startAt - Date.now())));
  const timer = setTimeout(() => stop.abort(), Math.max(0, go.endAt - Date.now()));
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const caller = async () => {
    while (!stop.signal.aborted) {
      try {
        await client.chat.completions.create(body, { signal: stop.signal });
        counts.ok++;
      } catch (err) {
        if (stop.signal.aborted) counts.aborted++;
        else if (statusOf(err) === 429) {
          if (pacedLocally(err)) counts.local429++;
          else counts.upstream429++;
        } else counts.otherErrors++;
      }
    }
  };
  await Promise.all(Array.from({ length: config.callers }, caller));
  clearTimeout(timer);
  // Let the releases of the last answers reach the store before disconnecting.
  await new Promise((r) => setTimeout(r, 100));
  lag.disable();
  const loopLagP99 = lag.percentile(99) / 1e6;
  send({ type: 'result', result: { ...counts, storeMs, storeWarnings, loopLagP99 } });
  await redis?.quit().catch(() => {});
}

process.once('message', (m: ParentMessage) => {
  if (m.type !== 'config') return;
  run(m.config).then(
    () => process.disconnect?.(),
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      process.disconnect?.();
    },
  );
});
