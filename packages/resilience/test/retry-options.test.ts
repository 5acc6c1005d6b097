import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RetryOptions, withRetry } from '../src/retry.js';
import { upstreamError } from './upstream-errors.js';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-01T12:00:00.000Z') });
  // With `random` left out (or ignored), the jitter is Math.random's: make it the same every run.
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function recordingLogger() {
  const warn = vi.fn<(obj: Record<string, unknown>, msg?: string) => void>();
  return { logger: { warn }, warn };
}

/**
 * What a withRetry call did: three upstream 500s in a row (so maxAttempts, every backoff option and
 * the deadline show), then success. Returns when each attempt started, the signal each got, and how
 * the call settled.
 */
async function observe(options: Record<string, unknown>) {
  const start = Date.now();
  const errors = [1, 2, 3].map(() => upstreamError('openai.server_error'));
  const started: number[] = [];
  const signals: unknown[] = [];
  const fn = async ({ attempt, signal }: { attempt: number; signal: unknown }) => {
    started.push(Date.now() - start);
    signals.push(signal);
    const error = errors[attempt - 1];
    if (error !== undefined) throw error;
    return `ok after ${attempt}`;
  };
  const settled = withRetry(fn, options as RetryOptions).then(
    (value) => ({ value }),
    (error: unknown) => ({ rejected: (error as { status?: unknown }).status }),
  );
  await vi.advanceTimersByTimeAsync(120_000);
  return { ...(await settled), started, signals };
}

describe('withRetry: options are checked on each call, before the first attempt', () => {
  const cases: [string, unknown, string][] = [
    ['maxAttempts', Number.NaN, 'maxAttempts: expected a number ≥ 1; using the default'],
    ['maxAttempts', 0, 'maxAttempts: expected a number ≥ 1; using the default'],
    ['baseDelayMs', -5, 'baseDelayMs: expected a number ≥ 0; using the default'],
    ['factor', 0.5, 'factor: expected a number ≥ 1; using the default'],
    ['factor', Number.POSITIVE_INFINITY, 'factor: expected a number ≥ 1; using the default'],
    ['capDelayMs', '8s', 'capDelayMs: expected a number ≥ 0; using the default'],
    ['maxDelayMs', -1, 'maxDelayMs: expected a number ≥ 0; using the default'],
    ['deadlineMs', Number.NaN, 'deadlineMs: expected a number ≥ 0; using the default'],
    ['deadlineMs', -1, 'deadlineMs: expected a number ≥ 0; using the default'],
    ['signal', { aborted: true }, 'signal: expected an AbortSignal; ignored'],
    ['provider', 42, 'provider: expected a non-empty string; ignored'],
    ['onRetry', 'metrics', 'onRetry: expected a function; ignored'],
    ['random', 0.9, 'random: expected a function; ignored'],
    ['sleep', 1000, 'sleep: expected a function; ignored'],
    ['now', Date.now(), 'now: expected a function; ignored'],
    // openai-node's name for it: an easy slip, and without the warning a silent one.
    ['maxRetries', 5, 'maxRetries: not a four29 option; ignored'],
  ];

  it.each(cases)(
    'a bad %s (%o) is warned about once and the default is used',
    async (name, value, problem) => {
      const bad = recordingLogger();
      const withBad = await observe({ logger: bad.logger, [name]: value });
      expect(bad.warn).toHaveBeenCalledTimes(1);
      const [fields, msg] = bad.warn.mock.calls[0] ?? [];
      expect(fields).toEqual({ event: 'four29.invalid_options', problems: [problem] });
      expect(msg).toBe(
        `four29 withRetry: an option was not understood and fell back to defaults: ${problem}`,
      );

      const good = recordingLogger();
      const withDefault = await observe({ logger: good.logger });
      expect(good.warn).not.toHaveBeenCalled();
      expect(withBad).toEqual(withDefault);
    },
  );

  it('the defaults those cases are compared with: 3 attempts, 250 then 500 ms (half-step jitter)', async () => {
    expect(await observe({ logger: false })).toEqual({
      rejected: 500,
      started: [0, 250, 750],
      signals: [undefined, undefined, undefined],
    });
  });

  it('names every bad option of one call in one warning, and warns again on the next call', async () => {
    const { logger, warn } = recordingLogger();
    const options = { logger, maxAttempts: -1, factor: 'x', onRetry: null, maxRetries: 0 };
    await observe(options);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0].problems).toEqual([
      'maxRetries: not a four29 option; ignored',
      'maxAttempts: expected a number ≥ 1; using the default',
      'factor: expected a number ≥ 1; using the default',
      'onRetry: expected a function; ignored',
    ]);
    await observe(options);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('good options give no warning', async () => {
    const { logger, warn } = recordingLogger();
    const result = await observe({
      logger,
      maxAttempts: 4,
      baseDelayMs: 0,
      factor: 1,
      capDelayMs: 0,
      maxDelayMs: 0,
      deadlineMs: 0,
      signal: new AbortController().signal,
      provider: 'openai',
      onRetry: () => {},
      random: () => 0,
      sleep: async () => {},
      now: Date.now,
    });
    expect(result).toMatchObject({ value: 'ok after 4' });
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns through the console by default, nowhere with logger: false, and names a bad logger', async () => {
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await observe({ maxDelayMs: 'a minute' });
    expect(consoleWarn).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(consoleWarn.mock.calls[0]?.[0]))).toMatchObject({
      level: 'warn',
      event: 'four29.invalid_options',
      problems: ['maxDelayMs: expected a number ≥ 0; using the default'],
    });
    consoleWarn.mockClear();
    await observe({ logger: false, maxDelayMs: 'a minute' });
    expect(consoleWarn).not.toHaveBeenCalled();
    await observe({ logger: { info() {} } });
    expect(consoleWarn).toHaveBeenCalledTimes(1);
    expect(String(consoleWarn.mock.calls[0]?.[0])).toContain(
      'logger: expected false or an object with warn(); using the console',
    );
  });

  it('options that are not an object, or that throw, still retry with the defaults', async () => {
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const defaults = await observe({ logger: false });
    expect(await observe('fast' as never)).toEqual(defaults);
    expect(String(consoleWarn.mock.calls[0]?.[0])).toContain(
      'options: expected an object; using the defaults',
    );
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    expect(await observe(hostile as never)).toEqual(defaults);
    const throwing = {
      warn() {
        throw new Error('logger down');
      },
    };
    expect(await observe({ logger: throwing, factor: 0 })).toEqual(defaults);
  });
});
