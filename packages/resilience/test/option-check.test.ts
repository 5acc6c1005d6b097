import { describe, expect, it, vi } from 'vitest';
import { createPacedFetch, createQuotaBreaker } from '../src/index.js';

function recordingLogger() {
  const warn = vi.fn<(obj: Record<string, unknown>, msg?: string) => void>();
  return { logger: { warn }, warn };
}

describe('options are checked once, at creation', () => {
  it('createQuotaBreaker names every bad and unknown option in one warning', async () => {
    const { logger, warn } = recordingLogger();
    const breaker = createQuotaBreaker({
      logger,
      cooldownMs: -5,
      maxEntries: Number.NaN,
      kinds: 'quota_exhausted',
      onStateChange: 'yes',
      cooldown: 1000,
    } as never);
    expect(warn).toHaveBeenCalledTimes(1);
    const [fields, msg] = warn.mock.calls[0] ?? [];
    expect(fields).toEqual({
      event: 'four29.invalid_options',
      problems: [
        'cooldown: not a four29 option; ignored',
        'cooldownMs: expected a number ≥ 0; using the default',
        'maxEntries: expected a number ≥ 1; using the default',
        'kinds: expected an array; using the default',
        'onStateChange: expected a function; ignored',
      ],
    });
    expect(msg).toMatch(/^four29 createQuotaBreaker: 5 options were not understood/);
    // The defaults apply: the breaker works and is closed.
    await expect(breaker.state()).resolves.toMatchObject({ status: 'closed' });
  });

  it('createPacedFetch names bad enums and budgets, and still paces with the defaults', async () => {
    const { logger, warn } = recordingLogger();
    const fetch = vi.fn(async () => new Response('ok'));
    const paced = createPacedFetch({
      logger,
      fetch,
      overMaxWait: 'respond-503',
      refill: 'smooth',
      requestsPerMinute: 0,
      storePollMs: 0,
    } as never);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toEqual({
      event: 'four29.invalid_options',
      problems: [
        "overMaxWait: expected 'respond-429' or 'send'; using the default",
        "refill: expected 'at-reset' or 'continuous'; using the default",
        'requestsPerMinute: expected a number > 0; using the default',
        'storePollMs: expected a number ≥ 1; using the default',
      ],
    });
    const res = await paced('https://api.example.test/v1');
    expect(await res.text()).toBe('ok');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('good options give no warning', () => {
    const { logger, warn } = recordingLogger();
    createQuotaBreaker({ logger, cooldownMs: 0, maxEntries: 10, kinds: ['quota_exhausted'] });
    createPacedFetch({ logger, refill: 'continuous', overMaxWait: 'send', requestsPerMinute: 60 });
    createQuotaBreaker({ logger, provider: undefined, now: undefined });
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns through the console by default and nowhere with logger: false', () => {
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      createPacedFetch({ maxWaitMs: 'soon' } as never);
      expect(consoleWarn).toHaveBeenCalledTimes(1);
      const line = JSON.parse(String(consoleWarn.mock.calls[0]?.[0]));
      expect(line).toMatchObject({
        level: 'warn',
        event: 'four29.invalid_options',
        problems: ['maxWaitMs: expected a number ≥ 0; using the default'],
      });
      consoleWarn.mockClear();
      createPacedFetch({ logger: false, maxWaitMs: 'soon' } as never);
      createQuotaBreaker({ logger: false, cooldownMs: 'soon' } as never);
      expect(consoleWarn).not.toHaveBeenCalled();
    } finally {
      consoleWarn.mockRestore();
    }
  });

  it('a bad logger is itself reported, through the console', () => {
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      createQuotaBreaker({ logger: { info() {} } } as never);
      expect(consoleWarn).toHaveBeenCalledTimes(1);
      expect(String(consoleWarn.mock.calls[0]?.[0])).toContain(
        'logger: expected false or an object with warn(); using the console',
      );
    } finally {
      consoleWarn.mockRestore();
    }
  });

  it('hostile options objects never throw: throwing getters, a throwing logger', () => {
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
    expect(() => createQuotaBreaker(hostile as never)).not.toThrow();
    expect(() => createPacedFetch(hostile as never)).not.toThrow();
    const throwing = {
      warn() {
        throw new Error('logger down');
      },
    };
    expect(() => createPacedFetch({ logger: throwing, refill: 'nope' } as never)).not.toThrow();
  });
});
