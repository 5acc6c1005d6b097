import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const children: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`pnpm --filter @four29/mock-upstream build\` first`);
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = stdout.match(pattern);
        if (match) resolve(match);
      };
      child.stdout?.on('data', check);
      child.on('exit', () => reject(new Error(`exited before printing ${pattern}: ${stderr}`)));
      check();
    });
  return { child, exited, output, stderr: () => stderr, stdout: () => stdout };
}

describe('cli', () => {
  it('prints the URL and the scenario list, serves, logs without keys, and stops on SIGTERM', async () => {
    const cli = run(['--port', '0', '--rpm', '1']);
    const [, url] = await cli.output(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    await cli.output(/stream_error/);
    expect(cli.stdout()).toContain('Rate limit: 1 requests/min per API key');
    for (const id of ['ok', 'rate_limited_tokens', 'timeout', 'stream_error']) {
      expect(cli.stdout()).toContain(`  ${id} `);
    }
    const post = () =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-cli-secret' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(429);
    await cli.output(/POST \/v1\/chat\/completions openai ok 429/);
    expect(cli.stdout()).not.toContain('sk-cli-secret');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('takes settings from the environment', async () => {
    const cli = run([], {
      MOCK_UPSTREAM_PORT: '0',
      MOCK_UPSTREAM_RPM: '7',
      MOCK_UPSTREAM_TPM: '900',
    });
    await cli.output(/Rate limit: 7 requests\/min, 900 tokens\/min per API key/);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it.each([[['--port', 'eighty']], [['--rpm', '0']], [['--tpm', '100']], [['--bogus']]])(
    'refuses %j with exit code 2 and the usage',
    async (args) => {
      const cli = run(args);
      expect(await cli.exited).toBe(2);
      expect(cli.stderr()).toContain('Usage: four29-mock-upstream');
    },
  );
});
