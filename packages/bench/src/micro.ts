import Anthropic from '@anthropic-ai/sdk';
import {
  classify,
  createUpstreamErrorHandler,
  toLogRecord,
  toProblem,
  UpstreamHttpError,
} from '@four29/core';
import {
  FIXTURE_NOW,
  fixtureById,
  fixtures,
  type RecordedResponse,
  type UpstreamFixture,
} from '@four29/fixtures';
import OpenAI from 'openai';
import { Bench } from 'tinybench';
import { RATE_LIMIT_FIXTURE_ID } from './servers/shared.js';
import { median, min } from './stats.js';

export interface MicroSettings {
  /** Milliseconds measured per task. */
  readonly time: number;
  readonly warmupTime: number;
}

export interface MicroTask {
  readonly name: string;
  readonly provider: string;
  /** The error form thrown at the classifier. */
  readonly form: string;
  readonly opsPerSecond: number;
  /** Mean microseconds per call. */
  readonly meanMicros: number;
  readonly samples: number;
}

export interface ProviderSummary {
  readonly provider: string;
  readonly fixtures: number;
  readonly medianOps: number;
  readonly minOps: number;
  readonly slowest: string;
}

export interface MicroResult {
  readonly tasks: readonly MicroTask[];
  readonly providers: readonly ProviderSummary[];
  /** The whole handler (classify, toProblem, serialise, log record) on the error-path fixture. */
  readonly handler: MicroTask;
  /** The handler's steps on the same error, one at a time: where its time goes. */
  readonly steps: readonly MicroTask[];
}

function sdkArgs(r: RecordedResponse): [object | undefined, string | undefined] {
  return typeof r.body === 'string' ? [undefined, r.body] : [r.body as object, undefined];
}

/** openai-node keeps the body's `error` member; Anthropic's native envelope never reaches it. */
function openaiCarries(r: RecordedResponse): boolean {
  if (typeof r.body === 'string') return true;
  const body = r.body as { error?: unknown; type?: unknown } | null;
  return typeof body?.error === 'object' && body.error !== null && body.type !== 'error';
}

/**
 * What an app would really throw for this fixture: the provider's own SDK error where four29's
 * users get one (openai-node for OpenAI, Azure OpenAI and OpenRouter, which use it;
 * @anthropic-ai/sdk for Anthropic), else `UpstreamHttpError` as a fetch-based client throws it.
 */
export function thrownFor(f: UpstreamFixture): { form: string; error: unknown } {
  const r = f.respond(FIXTURE_NOW);
  const headers = new Headers(r.headers);
  if (
    (f.provider === 'openai' || f.provider === 'azure-openai' || f.provider === 'openrouter') &&
    openaiCarries(r)
  ) {
    return {
      form: 'openai APIError',
      error: OpenAI.APIError.generate(r.status, ...sdkArgs(r), headers),
    };
  }
  if (f.provider === 'anthropic') {
    return {
      form: 'anthropic APIError',
      error: Anthropic.APIError.generate(r.status, ...sdkArgs(r), headers),
    };
  }
  return {
    form: 'UpstreamHttpError',
    error: new UpstreamHttpError({ status: r.status, headers: r.headers, body: r.body }),
  };
}

function taskResult(bench: Bench, name: string, provider: string, form: string): MicroTask {
  const task = bench.getTask(name);
  const result = task?.result;
  if (result === undefined || result.state !== 'completed') {
    const error = result !== undefined && 'error' in result ? String(result.error) : 'no result';
    throw new Error(`microbenchmark ${name} did not complete: ${error}`);
  }
  return {
    name,
    provider,
    form,
    opsPerSecond: result.period > 0 ? 1_000 / result.period : Number.NaN,
    meanMicros: result.period * 1_000,
    samples: result.latency.samplesCount,
  };
}

/** `classify` + `toProblem` per fixture, ops/s; plus the full handler on the error-path fixture. */
export async function runMicro(settings: MicroSettings): Promise<MicroResult> {
  const bench = new Bench({
    time: settings.time,
    warmupTime: settings.warmupTime,
    warmup: true,
    throws: true,
  });
  let sink = 0;
  const forms = new Map<string, { provider: string; form: string }>();
  for (const f of fixtures) {
    const { form, error } = thrownFor(f);
    // Fail before measuring: a fixture that no longer classifies would be measured as a fast no-op.
    if (classify(error, { now: FIXTURE_NOW }) === null)
      throw new Error(`${f.id} does not classify`);
    forms.set(f.id, { provider: f.provider, form });
    bench.add(f.id, () => {
      const c = classify(error, { now: FIXTURE_NOW });
      if (c !== null) sink += toProblem(c).status;
    });
  }
  const handle = createUpstreamErrorHandler({ logger: false, now: () => FIXTURE_NOW });
  const handlerError = thrownFor(fixtureById(RATE_LIMIT_FIXTURE_ID));
  const handlerName = `createUpstreamErrorHandler (${RATE_LIMIT_FIXTURE_ID}, logger: false)`;
  bench.add(handlerName, () => {
    sink += handle(handlerError.error, { method: 'POST', path: '/chat' })?.status ?? 0;
  });
  const classified = classify(handlerError.error, { now: FIXTURE_NOW });
  if (classified === null) throw new Error(`${RATE_LIMIT_FIXTURE_ID} does not classify`);
  const steps: Record<string, () => void> = {
    'step: classify': () => {
      sink += classify(handlerError.error, { now: FIXTURE_NOW }) === null ? 0 : 1;
    },
    'step: toProblem + JSON.stringify': () => {
      sink += JSON.stringify(toProblem(classified).body).length;
    },
    'step: toLogRecord': () => {
      sink += toLogRecord(classified, { method: 'POST', path: '/chat' }).downstream.status;
    },
  };
  for (const [name, fn] of Object.entries(steps)) bench.add(name, fn);
  await bench.run();
  if (sink === 0) throw new Error('microbenchmarks produced nothing');

  const tasks = [...forms].map(([id, { provider, form }]) => taskResult(bench, id, provider, form));
  const providers: ProviderSummary[] = [];
  for (const provider of [...new Set(tasks.map((t) => t.provider))]) {
    const mine = tasks.filter((t) => t.provider === provider);
    const ops = mine.map((t) => t.opsPerSecond);
    const slowest = mine.reduce((a, b) => (b.opsPerSecond < a.opsPerSecond ? b : a));
    providers.push({
      provider,
      fixtures: mine.length,
      medianOps: median(ops),
      minOps: min(ops),
      slowest: slowest.name,
    });
  }
  return {
    tasks,
    providers,
    handler: taskResult(bench, handlerName, 'openai', handlerError.form),
    steps: Object.keys(steps).map((name) => taskResult(bench, name, 'openai', handlerError.form)),
  };
}
