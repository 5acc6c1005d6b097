/**
 * A real `redis-server` for tests: started on a free loopback port with no persistence (so a
 * restart loses every key, like a crashed cache), stopped, restarted on the same port, paused
 * (SIGSTOP: a Redis that accepts connections and never answers) and resumed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export const REDIS_INSTALL_HINT =
  'redis-server is not installed. Install it with `apt-get update && apt-get install -y redis-server` ' +
  '(Debian/Ubuntu; prefix sudo when not root) or `brew install redis` (macOS), then rerun the tests.';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM); its state is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Freezes the process: connections stay open, commands get no answer. */
  pause(): void;
  resume(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function binary(): string {
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const check = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (check.error !== undefined || check.status !== 0) throw new Error(REDIS_INSTALL_HINT);
  return bin;
}

async function launch(bin: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--loglevel',
      'notice',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)),
    );
    child.once('error', reject);
  });
  // The ready line is logged at notice level; a timeout names what the server printed instead.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`redis-server not ready after 10 s:\n${output}`)),
      10_000,
    );
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return child;
}

/** Starts a redis-server; throws naming the install command when the binary is missing. */
export async function startRedisServer(): Promise<RedisServer> {
  const bin = binary();
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(bin, port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null) return;
      // A paused process does not act on SIGTERM until it runs again.
      c.kill('SIGCONT');
      const exited = once(c, 'exit');
      c.kill('SIGTERM');
      await exited;
    },
    async start() {
      if (child !== undefined) return;
      child = await launch(bin, port);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
}
