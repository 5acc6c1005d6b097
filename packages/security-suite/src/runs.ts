/**
 * How many generated cases each property runs. The defaults add up to the CI budget (at least
 * 10,000 cases per `pnpm test`, asserted in budget.test.ts) while keeping wall time reasonable on
 * a shared 2-core machine. Locally:
 * - `FC_RUNS=<n>` sets the runs of a standard property (default 1,000) to n; heavier properties
 *   scale in proportion, so `FC_RUNS=20000` is a twenty-fold run;
 * - `FC_RUNS=x<k>` multiplies every default by k (`FC_RUNS=x10`);
 * - `FC_SEED=<seed>` (with `FC_PATH=<path>` from a failure report) replays one failing case.
 */
export const STANDARD_RUNS = 1_000;

/** Defaults per property, in generated cases. Adapter properties run this many per framework. */
export const DEFAULT_RUNS = {
  'core.classify.shapes': 2_500,
  'core.classify.bounded-reads': 1_000,
  'core.classify.deep-wrapping': 200,
  'core.handler.any-options': 2_000,
  'core.render.hostile-classification': 1_000,
  'core.secrets.planted': 2_000,
  'adapter.inject.any-thrown': 600,
  'adapter.inject.streaming': 200,
  'adapter.socket.any-thrown': 40,
} as const;

export type PropertyName = keyof typeof DEFAULT_RUNS;

/** Properties that run once per adapter target. */
export const PER_TARGET: ReadonlySet<PropertyName> = new Set([
  'adapter.inject.any-thrown',
  'adapter.inject.streaming',
  'adapter.socket.any-thrown',
]);

function scale(env: string | undefined): number {
  if (env === undefined || env.trim() === '') return 1;
  const times = /^x(\d+(?:\.\d+)?)$/i.exec(env.trim());
  if (times?.[1] !== undefined) return Number(times[1]);
  const n = Number(env);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`FC_RUNS must be a positive number or x<factor>, got ${env}`);
  return n / STANDARD_RUNS;
}

export function runs(name: PropertyName, env: string | undefined = process.env.FC_RUNS): number {
  return Math.max(1, Math.round(DEFAULT_RUNS[name] * scale(env)));
}

/** fast-check parameters for one property: its run count and, when set, the replay seed. */
export function fcParams(name: PropertyName): { numRuns: number; seed?: number; path?: string } {
  const seed = process.env.FC_SEED;
  const path = process.env.FC_PATH;
  return {
    numRuns: runs(name),
    ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}),
    ...(path !== undefined && path !== '' ? { path } : {}),
  };
}
