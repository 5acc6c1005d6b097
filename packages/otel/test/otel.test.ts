/**
 * The real OpenTelemetry SDK (tracer and meter providers, AsyncLocalStorage context manager,
 * in-memory exporters) around a real Express app that calls the mock upstream through the real
 * openai client. What an operator's backend would receive is what the exporters hold.
 */
import type { Server } from 'node:http';
import type { Four29Logger, HandledErrorEvent } from '@four29/core';
import { upstreamErrorHandler } from '@four29/express';
import { type MockUpstream, startMockUpstream } from '@four29/mock-upstream';
import { createPacedFetch, createQuotaBreaker, withRetry } from '@four29/resilience';
import { close, listen } from '@four29/test-kit';
import { type Attributes, context, type Meter, metrics, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import express from 'express';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { four29Otel, GEN_AI_PROVIDER_NAMES } from '../src/index.js';

const API_KEY = 'sk-proj-otelTEST000000000000000000000000000000';

const spans = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
});
const tracer = tracerProvider.getTracer('otel-test');
const contextManager = new AsyncLocalStorageContextManager();

let metricExporter: InMemoryMetricExporter;
let reader: PeriodicExportingMetricReader;
let meterProvider: MeterProvider;
let meter: Meter;

let mock: MockUpstream;
const servers: Server[] = [];
/** Server spans still open; a test waits for them before it reads the exporter. */
const ending: Promise<void>[] = [];

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock.close();
  context.disable();
  await tracerProvider.shutdown();
});
beforeEach(() => {
  metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when the test flushes: no timer decides what a test sees.
  reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 2_147_483_647,
  });
  meterProvider = new MeterProvider({ readers: [reader] });
  meter = meterProvider.getMeter('otel-test');
});
afterEach(async () => {
  spans.reset();
  await Promise.all(servers.splice(0).map(close));
  await meterProvider.shutdown();
});

interface Point {
  readonly attributes: Attributes;
  readonly value: unknown;
}

/** Every data point exported for one instrument name. */
async function points(name: string): Promise<Point[]> {
  await reader.forceFlush();
  const out: Point[] = [];
  const last = metricExporter.getMetrics().at(-1);
  for (const scope of last?.scopeMetrics ?? [])
    for (const metric of scope.metrics)
      if (metric.descriptor.name === name)
        for (const p of metric.dataPoints) out.push({ attributes: p.attributes, value: p.value });
  return out;
}

function testLogger() {
  const warnings: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const logger: Four29Logger = {
    warn: (obj, msg) => warnings.push({ obj, msg }),
    error: () => {},
  };
  return { logger, warnings };
}

/**
 * An Express app whose requests run in a server span, the way the HTTP instrumentation makes one,
 * and whose one route asks the mock upstream (scenario `scenario`) through the openai client.
 */
async function startApp(
  scenario: string,
  onHandled: (event: HandledErrorEvent) => void,
): Promise<string> {
  const client = new OpenAI({
    apiKey: API_KEY,
    baseURL: `${mock.url}/scenario/${scenario}/v1`,
    maxRetries: 0,
  });
  const app = express();
  app.use((req, res, next) => {
    tracer.startActiveSpan(`${req.method} /ask`, { kind: SpanKind.SERVER }, (span) => {
      ending.push(
        new Promise((resolve) =>
          res.on('finish', () => {
            span.setAttribute('http.response.status_code', res.statusCode);
            span.end();
            resolve();
          }),
        ),
      );
      next();
    });
  });
  app.post('/ask', (_req, res, next) => {
    client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .then((completion) => res.json(completion), next);
  });
  app.use(upstreamErrorHandler({ logger: false, onHandled }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}

async function onlySpan() {
  await Promise.all(ending.splice(0));
  const finished = spans.getFinishedSpans();
  expect(finished).toHaveLength(1);
  return finished[0]!;
}

describe('onHandled through a real Express app and the real openai client', () => {
  it('puts the exhausted quota on the active span and counts it', async () => {
    const otel = four29Otel({ meter });
    const url = await startApp('insufficient_quota', otel.onHandled);
    const res = await fetch(`${url}/ask`, { method: 'POST' });
    await res.text();
    expect(res.status).toBe(503);

    const span = await onlySpan();
    expect(span.attributes).toMatchObject({
      'error.type': 'insufficient_quota',
      'four29.kind': 'quota_exhausted',
      'four29.provider': 'openai',
      'gen_ai.provider.name': 'openai',
      'four29.retryable': false,
      'four29.upstream.status_code': 429,
      // The app's own value, not overwritten with the upstream's 429.
      'http.response.status_code': 503,
    });
    expect(span.attributes).not.toHaveProperty('four29.retry_after_ms');
    // Answered on purpose: the status is left to the HTTP conventions (and the instrumentation).
    expect(span.status.code).toBe(0);
    // No key, no upstream message, on the span.
    const text = JSON.stringify(span.attributes);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toMatch(/exceeded your current quota/i);

    expect(await points('four29.upstream.errors')).toEqual([
      {
        attributes: {
          'error.type': 'insufficient_quota',
          'four29.kind': 'quota_exhausted',
          'four29.provider': 'openai',
          'gen_ai.provider.name': 'openai',
          'http.response.status_code': 503,
        },
        value: 1,
      },
    ]);
  });

  it('records the retry time the upstream asked for, the same the client is told', async () => {
    const otel = four29Otel({ meter });
    const url = await startApp('rate_limited_tokens', otel.onHandled);
    const res = await fetch(`${url}/ask`, { method: 'POST' });
    await res.text();
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    const span = await onlySpan();
    expect(span.attributes['four29.kind']).toBe('rate_limited');
    expect(span.attributes['four29.retryable']).toBe(true);
    const ms = span.attributes['four29.retry_after_ms'];
    expect(typeof ms).toBe('number');
    expect(Math.ceil((ms as number) / 1000)).toBe(retryAfter);
    const [point] = await points('four29.upstream.errors');
    expect(point?.attributes['error.type']).toBe(span.attributes['error.type']);
  });

  it('counts each answer: three errors, one series per kind', async () => {
    const otel = four29Otel({ meter });
    const quota = await startApp('insufficient_quota', otel.onHandled);
    const overloaded = await startApp('overloaded', otel.onHandled);
    for (const url of [quota, quota, overloaded])
      await (await fetch(`${url}/ask`, { method: 'POST' })).text();
    const byKind = Object.fromEntries(
      (await points('four29.upstream.errors')).map((p) => [p.attributes['four29.kind'], p.value]),
    );
    expect(byKind).toEqual({ quota_exhausted: 2, overloaded: 1 });
  });

  it('sets the span status to ERROR, with the kind and no upstream text, when asked to', async () => {
    const otel = four29Otel({ meter, setSpanStatus: true });
    const url = await startApp('insufficient_quota', otel.onHandled);
    await (await fetch(`${url}/ask`, { method: 'POST' })).text();
    expect((await onlySpan()).status).toEqual({ code: 2, message: 'quota_exhausted' });
  });

  it('a meter that throws changes nothing the client gets', async () => {
    const broken = new Proxy(meter, {
      get: () => () => {
        throw new Error('meter broke');
      },
    });
    const otel = four29Otel({ meter: broken });
    const url = await startApp('insufficient_quota', otel.onHandled);
    const res = await fetch(`${url}/ask`, { method: 'POST' });
    expect(res.status).toBe(503);
    expect(JSON.parse(await res.text())).toMatchObject({ kind: 'quota_exhausted' });
  });
});

describe('the global API', () => {
  afterEach(() => {
    metrics.disable();
  });

  it('uses the global meter provider registered after four29Otel() was called', async () => {
    const otel = four29Otel();
    metrics.setGlobalMeterProvider(meterProvider);
    const url = await startApp('insufficient_quota', otel.onHandled);
    await (await fetch(`${url}/ask`, { method: 'POST' })).text();
    expect(await points('four29.upstream.errors')).toMatchObject([{ value: 1 }]);
  });

  it('does nothing until a hook runs, then creates its instruments once', async () => {
    let getMeter = 0;
    let created = 0;
    const counting = new Proxy(meter, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof name === 'string' && name.startsWith('create') && typeof value === 'function')
          return (...args: unknown[]) => {
            created++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        return value;
      },
    });
    metrics.setGlobalMeterProvider({
      getMeter: () => {
        getMeter++;
        return counting;
      },
    });
    const otel = four29Otel();
    expect([getMeter, created]).toEqual([0, 0]);
    const url = await startApp('insufficient_quota', otel.onHandled);
    for (let i = 0; i < 3; i++) await (await fetch(`${url}/ask`, { method: 'POST' })).text();
    otel.breakerHooks.onStateChange({ provider: 'openai', status: 'open', previous: 'closed' });
    expect(getMeter).toBe(1);
    expect(created).toBe(6);
    expect(await points('four29.upstream.errors')).toMatchObject([{ value: 3 }]);
  });

  it('without an active span still counts, and does not throw', async () => {
    const otel = four29Otel({ meter });
    otel.onHandled({
      classification: {
        kind: 'overloaded',
        provider: 'anthropic',
        retryable: true,
        upstreamCode: 'overloaded_error',
        remediation: { causes: [], steps: [] },
      },
      status: 503,
      error: new Error('x'),
    });
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(await points('four29.upstream.errors')).toEqual([
      {
        attributes: {
          'error.type': 'overloaded_error',
          'four29.kind': 'overloaded',
          'four29.provider': 'anthropic',
          'gen_ai.provider.name': 'anthropic',
          'http.response.status_code': 503,
        },
        value: 1,
      },
    ]);
  });
});

describe('resilience hooks with the real openai client', () => {
  it('the quota breaker: opens on an exhausted quota, counted and gauged, closed again by reset', async () => {
    const otel = four29Otel({ meter });
    const breaker = createQuotaBreaker({ ...otel.breakerHooks, logger: false });
    const client = new OpenAI({
      apiKey: API_KEY,
      baseURL: `${mock.url}/scenario/insufficient_quota/v1`,
      maxRetries: 0,
    });
    const call = () =>
      breaker.run(
        () =>
          client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        { key: API_KEY, provider: 'openai' },
      );
    await expect(call()).rejects.toMatchObject({ status: 429 });
    const sent = mock.requests.length;
    await expect(call()).rejects.toMatchObject({ status: 429 });
    expect(mock.requests.length).toBe(sent);

    expect(await points('four29.breaker.open')).toEqual([
      { attributes: { 'four29.provider': 'openai', 'gen_ai.provider.name': 'openai' }, value: 1 },
    ]);
    expect(await points('four29.breaker.transitions')).toEqual([
      {
        attributes: {
          'four29.provider': 'openai',
          'gen_ai.provider.name': 'openai',
          'four29.breaker.state': 'open',
          'four29.breaker.previous_state': 'closed',
          'four29.kind': 'quota_exhausted',
        },
        value: 1,
      },
    ]);
    expect(JSON.stringify(metricExporter.getMetrics())).not.toContain(API_KEY);

    await breaker.reset({ key: API_KEY, provider: 'openai' });
    expect(await points('four29.breaker.open')).toMatchObject([{ value: 0 }]);
  });

  it('the paced fetch: a held request is counted with its host and expected wait', async () => {
    const otel = four29Otel({ meter });
    const abort = new AbortController();
    let held!: () => void;
    const heldOnce = new Promise<void>((resolve) => {
      held = resolve;
    });
    const paced = createPacedFetch({
      requestsPerMinute: 1,
      maxWaitMs: 120_000,
      onHold: (event) => {
        otel.pacedFetchHooks.onHold(event);
        held();
      },
    });
    const client = new OpenAI({
      apiKey: API_KEY,
      baseURL: `${mock.url}/v1`,
      maxRetries: 0,
      fetch: paced,
    });
    const ask = () =>
      client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { signal: abort.signal },
      );
    await ask();
    const second = ask();
    second.catch(() => {});
    await heldOnce;
    abort.abort();
    await expect(second).rejects.toThrow();

    expect(await points('four29.pacing.holds')).toEqual([
      { attributes: { 'server.address': '127.0.0.1' }, value: 1 },
    ]);
    const [wait] = await points('four29.pacing.hold.expected_wait');
    const histogram = wait?.value as { count: number; sum: number };
    expect(histogram.count).toBe(1);
    // One request a minute, one just spent: the next slot is up to a minute away, in seconds.
    expect(histogram.sum).toBeGreaterThan(0);
    expect(histogram.sum).toBeLessThanOrEqual(60);
  });

  it('withRetry: each scheduled retry is counted with its kind and error.type', async () => {
    const otel = four29Otel({ meter });
    const client = new OpenAI({
      apiKey: API_KEY,
      baseURL: `${mock.url}/scenario/rate_limited_requests/v1`,
      maxRetries: 0,
    });
    await expect(
      withRetry(
        () =>
          client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        { ...otel.retryHooks, maxAttempts: 3, sleep: async () => {} },
      ),
    ).rejects.toMatchObject({ status: 429 });
    const [point, ...rest] = await points('four29.retry.attempts');
    expect(rest).toEqual([]);
    expect(point).toMatchObject({
      attributes: { 'four29.kind': 'rate_limited', 'four29.provider': 'openai' },
      value: 2,
    });
    expect(typeof point?.attributes['error.type']).toBe('string');
  });
});

describe('options and bad input', () => {
  it('names every bad option in one warning through the logger, and still works', async () => {
    const { logger, warnings } = testLogger();
    const otel = four29Otel({
      logger,
      meter: { createCounter: 1 } as unknown as Meter,
      setSpanStatus: 'yes' as unknown as boolean,
      genAiProviderNames: { google: 3 } as unknown as Record<string, string>,
      tracer: {},
    } as never);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.obj).toMatchObject({ event: 'four29.invalid_options' });
    const problems = ((warnings[0]?.obj.problems as string[] | undefined) ?? []).join('\n');
    for (const name of ['meter', 'setSpanStatus', 'genAiProviderNames.google', 'tracer'])
      expect(problems).toContain(name);
    expect(typeof otel.onHandled).toBe('function');
    four29Otel({ meter, logger });
    expect(warnings).toHaveLength(1);
  });

  it('a logger that throws on the warning does not stop four29Otel()', () => {
    const logger = {
      warn: () => {
        throw new Error('logger broke');
      },
    };
    expect(() => four29Otel({ logger, nope: 1 } as never)).not.toThrow();
    // Without a logger option the warning goes to the console, like the core's.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(() => four29Otel(null as never)).not.toThrow();
      expect(() => four29Otel('x' as never)).not.toThrow();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toContain('options: expected an object');
    } finally {
      warn.mockRestore();
    }
  });

  it('maps provider ids to gen_ai.provider.name, with overrides, and none for unknown ones', async () => {
    const otel = four29Otel({
      meter,
      genAiProviderNames: { google: 'gcp.vertex_ai', 'my-gateway': 'openai' },
    });
    const event = (provider: string): HandledErrorEvent => ({
      classification: {
        kind: 'rate_limited',
        provider,
        retryable: true,
        remediation: { causes: [], steps: [] },
      },
      status: 503,
      error: null,
    });
    for (const p of ['google', 'bedrock', 'azure-openai', 'my-gateway', 'generic', 'acme'])
      otel.onHandled(event(p));
    const names = Object.fromEntries(
      (await points('four29.upstream.errors')).map((p) => [
        p.attributes['four29.provider'],
        p.attributes['gen_ai.provider.name'],
      ]),
    );
    expect(names).toEqual({
      google: 'gcp.vertex_ai',
      bedrock: 'aws.bedrock',
      'azure-openai': 'azure.ai.openai',
      'my-gateway': 'openai',
      generic: undefined,
      acme: undefined,
    });
    expect(GEN_AI_PROVIDER_NAMES.google).toBe('gcp.gen_ai');
  });

  it('keeps error.type low-cardinality: odd codes and codes past the cap become the kind', async () => {
    const otel = four29Otel({ meter });
    const event = (upstreamCode: string): HandledErrorEvent => ({
      classification: {
        kind: 'upstream_error',
        provider: 'generic',
        retryable: false,
        upstreamCode,
        remediation: { causes: [], steps: [] },
      },
      status: 502,
      error: null,
    });
    otel.onHandled(event('has spaces and a message'));
    otel.onHandled(event('x'.repeat(65)));
    for (let i = 0; i < 70; i++) otel.onHandled(event(`code_${i}`));
    const types = new Set(
      (await points('four29.upstream.errors')).map((p) => p.attributes['error.type']),
    );
    expect(types.has('upstream_error')).toBe(true);
    expect(types.has('code_0')).toBe(true);
    expect(types.has('code_63')).toBe(true);
    expect(types.has('code_64')).toBe(false);
    expect(types.size).toBe(65);
  });

  it('hooks take hostile values without throwing or recording junk', async () => {
    const otel = four29Otel({ meter });
    const hostile = [
      undefined,
      null,
      42,
      'x',
      {},
      { classification: null },
      {
        get classification() {
          throw new Error('getter');
        },
      },
      new Proxy(
        {},
        {
          get() {
            throw new Error('proxy');
          },
        },
      ),
    ];
    for (const value of hostile) {
      expect(() => otel.onHandled(value as never)).not.toThrow();
      expect(() => otel.retryHooks.onRetry(value as never)).not.toThrow();
      expect(() => otel.breakerHooks.onStateChange(value as never)).not.toThrow();
    }
    expect(() =>
      otel.pacedFetchHooks.onHold({ origin: 'not a url', waitMs: Number.NaN, queued: 1 }),
    ).not.toThrow();
    expect(await points('four29.upstream.errors')).toEqual([]);
    expect(await points('four29.retry.attempts')).toEqual([]);
    expect(await points('four29.breaker.transitions')).toEqual([]);
    expect(await points('four29.pacing.holds')).toEqual([{ attributes: {}, value: 1 }]);
    expect(await points('four29.pacing.hold.expected_wait')).toEqual([]);
  });
});
