import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface AppAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** Everything the app printed, stdout and stderr: where its logger wrote the four29 record. */
  readonly output: string;
}

/** Long enough for a cold Nest boot on a busy CI machine; only there so a broken app cannot hang CI. */
const LISTEN_DEADLINE_MS = 30_000;

/**
 * Starts one consumer app (`node <file>`), waits for its `LISTENING <port>` line, sends one
 * request over a real socket and stops it again.
 */
export async function requestThroughApp(
  cwd: string,
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<AppAnswer> {
  const child = spawn(process.execPath, [file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  let onStdout = (): void => {};
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    onStdout();
  });
  const exited = once(child, 'exit');
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${file} did not start listening`)),
        LISTEN_DEADLINE_MS,
      );
      onStdout = () => {
        const match = /^LISTENING (\d+)$/m.exec(stdout);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${file} exited (${code ?? signal}) before listening`));
      });
    });
    const res = await fetch(`http://127.0.0.1:${port}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'consumer-test-1' },
      body: JSON.stringify({ prompt: 'hello' }),
    });
    const body = await res.text();
    child.kill('SIGTERM');
    await exited;
    return { status: res.status, headers: res.headers, body, output: `${stdout}\n${stderr}` };
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
    );
  }
}
