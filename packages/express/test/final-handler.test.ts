import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * Express's final handler and its default 'error' logger read `err.stack || err.toString()` from a
 * setImmediate, outside any try: a passed-on value whose `toString` throws is an uncaught exception
 * that takes the whole process down. It has to run in its own process.
 */
function program(
  framework: 'express' | 'express4',
  env: 'production' | 'development',
  setup: 'four29' | 'four29 and a final handler',
): string {
  return `import express from '${framework}';
import { upstreamErrorHandler } from '@four29/express';
const app = express();
app.set('env', '${env}');
app.get('/x', (_req, _res, next) => next({ toString() { throw new Error('toString trap'); } }));
app.get('/ok', (_req, res) => res.send('ok'));
app.use(upstreamErrorHandler({ logger: false }));
${setup === 'four29 and a final handler' ? "app.use((_err, _req, res, _next) => res.status(500).send('custom'));" : ''}
const server = app.listen(0, '127.0.0.1', async () => {
  const url = 'http://127.0.0.1:' + server.address().port;
  const answer = await fetch(url + '/x', { signal: AbortSignal.timeout(5000) }).then(
    async (res) => String(res.status),
    (err) => err.name,
  );
  console.log(answer);
  // A full second round trip: Express 4 logs the first error from a later setImmediate.
  await fetch(url + '/ok', { signal: AbortSignal.timeout(5000) });
  process.exit(0);
});
`;
}

/** Exit code, first stderr line of the uncaught error and stdout of one run of `program`. */
function run(source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', source],
      { cwd: packageDir, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout: stdout.trim(), stderr });
      },
    );
  });
}

// Express 4's default logger calls toString in every env but 'test' (it may do so before or after
// the 500 went out); Express 5's logs with util.inspect, but outside production its final handler
// calls toString for the page it renders. From an error middleware, Express reaches its final
// handler from a setImmediate, so the throw is uncaught. (A route's own `next(value)` reaches it
// synchronously, and the route layer's catch answers the TypeError instead: four29 cannot restore
// that, as the handler is Express's and runs after four29 returned.)
const cases = [
  { framework: 'express4', env: 'production', crashes: true },
  { framework: 'express4', env: 'development', crashes: true },
  { framework: 'express', env: 'production', crashes: false },
  { framework: 'express', env: 'development', crashes: true },
] as const;

describe.each(cases)(
  '$framework in $env, a passed-on value whose toString throws',
  ({ framework, env, crashes }) => {
    it(`${crashes ? 'crashes' : 'is answered by'} Express's own final handler (Express's limit)`, async () => {
      const withFour29 = await run(program(framework, env, 'four29'));
      if (crashes) {
        expect(withFour29.code).toBe(1);
        expect(withFour29.stderr).toContain('toString trap');
      } else {
        expect(withFour29).toMatchObject({ code: 0, stdout: '500' });
      }
    });

    it('is answered by an error handler of the app registered after four29', async () => {
      const own = await run(program(framework, env, 'four29 and a final handler'));
      expect(own).toMatchObject({ code: 0, stdout: '500', stderr: '' });
    });
  },
);
