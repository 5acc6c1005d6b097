import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cleanEnv } from './consumer-project.js';
import { exec } from './exec.js';
import type { QuickStartApp } from './quick-starts.js';

/** Only there so a broken snippet cannot hang CI; a cold Nest boot on a busy machine is slow. */
const DEADLINE_MS = 60_000;

/**
 * What `nest new` writes, minus what only its CLI reads: a pasted Nest quick start compiles with
 * it the way it would in a new Nest project.
 */
const NEST_TSCONFIG = {
  compilerOptions: {
    module: 'commonjs',
    declaration: false,
    removeComments: true,
    emitDecoratorMetadata: true,
    experimentalDecorators: true,
    allowSyntheticDefaultImports: true,
    target: 'ES2021',
    outDir: './dist',
    skipLibCheck: true,
    strictNullChecks: false,
    noImplicitAny: false,
  },
  include: ['*.ts'],
};

/** On Node a fetch handler is served by a fetch-handler server, as the core README says. */
const SERVE_FETCH_HANDLER = (entry: string) =>
  `import { serve } from '@hono/node-server';\nserve({ fetch: (await import('./${entry}')).default.fetch, port: Number(process.env.PORT) });\n`;

export interface QuickStartRun {
  readonly status?: number;
  readonly contentType?: string | null;
  readonly body?: string;
  readonly exitCode?: number | null;
  readonly output: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/**
 * Writes the app's files into its own directory inside the consumer project (so they resolve the
 * project's node_modules and nothing else), compiles TypeScript the way its README says, runs the
 * entry and, for a server, sends one POST /chat over loopback.
 */
export async function runQuickStart(
  project: string,
  app: QuickStartApp,
  env: NodeJS.ProcessEnv,
): Promise<QuickStartRun> {
  const dir = join(project, 'quick-starts', app.name.replace(/[^\w.-]+/g, '_'));
  await mkdir(dir, { recursive: true });
  for (const [file, code] of app.files) await writeFile(join(dir, file), code);
  let entry = app.entry;
  if (entry.endsWith('.ts')) {
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(NEST_TSCONFIG, null, 2));
    await exec(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc')], {
      cwd: dir,
      env: cleanEnv(),
    });
    entry = join('dist', entry.replace(/\.ts$/, '.js'));
  }
  if (app.run === 'fetch-handler') {
    await writeFile(join(dir, 'serve.mjs'), SERVE_FETCH_HANDLER(entry));
    entry = 'serve.mjs';
  }
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    cwd: dir,
    env: cleanEnv({ ...env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const deadline = Date.now() + DEADLINE_MS;
  try {
    if (app.run === 'script') {
      const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
      const [code] = await exited;
      clearTimeout(timer);
      return { exitCode: code, output };
    }
    let exitedEarly = false;
    void exited.then(() => {
      exitedEarly = true;
    });
    for (;;) {
      if (exitedEarly) throw new Error(`${app.name} exited before it answered`);
      if (Date.now() > deadline) throw new Error(`${app.name} did not answer`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello' }] }),
        });
        const body = await res.text();
        return { status: res.status, contentType: res.headers.get('content-type'), body, output };
      } catch {
        // Not listening yet.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n--- output\n${output}`,
    );
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
