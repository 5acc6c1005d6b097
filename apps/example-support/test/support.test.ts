import { once } from 'node:events';
import { createServer, request } from 'node:http';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BAD_BODY, listening, optionsFromEnv, promptOf } from '../src/index.js';

describe('promptOf', () => {
  it('takes a non-empty prompt of at most 10 000 characters', () => {
    expect(promptOf({ prompt: 'hi' })).toBe('hi');
    expect(promptOf({ prompt: 'x'.repeat(10_000), other: 1 })).toHaveLength(10_000);
  });

  it('refuses everything else', () => {
    for (const body of [
      undefined,
      null,
      'hi',
      42,
      [],
      ['hi'],
      {},
      { prompt: '' },
      { prompt: 'x'.repeat(10_001) },
      { prompt: 5 },
      { prompt: ['hi'] },
      { prompt: { toString: () => 'hi' } },
      { Prompt: 'hi' },
    ]) {
      expect(promptOf(body), JSON.stringify(body)).toBeUndefined();
    }
  });

  it('has one 400 body', () => {
    expect(JSON.stringify(BAD_BODY)).toBe(
      '{"error":"body must be {\\"prompt\\": \\"<non-empty string>\\"}"}',
    );
  });
});

describe('optionsFromEnv', () => {
  const logger = pino({ enabled: false });

  it('defaults to the mock upstream, no keys, no timeout', () => {
    expect(optionsFromEnv({}, logger)).toEqual({
      openaiBaseUrl: 'http://127.0.0.1:4290/v1',
      anthropicBaseUrl: 'http://127.0.0.1:4290',
      logger,
    });
  });

  it('reads base URLs, keys and a positive timeout', () => {
    expect(
      optionsFromEnv(
        {
          OPENAI_BASE_URL: 'https://api.openai.com/v1',
          ANTHROPIC_BASE_URL: 'https://api.anthropic.com',
          OPENAI_API_KEY: 'sk-a',
          ANTHROPIC_API_KEY: 'sk-ant-b',
          UPSTREAM_TIMEOUT_MS: '2500',
        },
        logger,
      ),
    ).toEqual({
      openaiBaseUrl: 'https://api.openai.com/v1',
      anthropicBaseUrl: 'https://api.anthropic.com',
      logger,
      openaiApiKey: 'sk-a',
      anthropicApiKey: 'sk-ant-b',
      timeoutMs: 2500,
    });
  });

  it('ignores empty keys and a timeout that is not a positive number', () => {
    for (const UPSTREAM_TIMEOUT_MS of ['', '0', '-1', 'abc', 'NaN']) {
      const options = optionsFromEnv(
        { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', UPSTREAM_TIMEOUT_MS },
        logger,
      );
      expect(Object.keys(options).sort(), UPSTREAM_TIMEOUT_MS).toEqual([
        'anthropicBaseUrl',
        'logger',
        'openaiBaseUrl',
      ]);
    }
  });
});

describe('listening', () => {
  it('reports the URL and port once the server listens; close() drops open connections', async () => {
    const server = createServer((_req, res) => {
      // Never ends: close() must not wait for it.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    });
    const running = await listening(server.listen(0, '127.0.0.1'), '127.0.0.1');
    expect(running.port).toBeGreaterThan(0);
    expect(running.url).toBe(`http://127.0.0.1:${running.port}`);

    const req = request(`${running.url}/`);
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    expect(res.statusCode).toBe(200);
    const ended = new Promise<void>((resolve) => res.on('close', () => resolve()));
    res.resume();
    await running.close();
    await ended;
    expect(server.listening).toBe(false);
  });

  it('rejects when the port is taken', async () => {
    const first = await listening(createServer().listen(0, '127.0.0.1'), '127.0.0.1');
    try {
      await expect(
        listening(createServer().listen(first.port, '127.0.0.1'), '127.0.0.1'),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});
