import { type MockUpstream, startMockUpstream } from '@four29/mock-upstream';
import { pino } from 'pino';
import { FRAMEWORKS, type Framework, type RunningApp } from './frameworks.js';

export interface StackOptions {
  /** Upstream timeout of every app, ms: how long the `timeout` scenario takes. Default 1500. */
  readonly timeoutMs?: number;
  readonly host?: string;
  readonly frameworks?: readonly Framework[];
  /** The upstream keys the apps send; never expected in any answer or log line. */
  readonly openaiApiKey?: string;
  readonly anthropicApiKey?: string;
}

export interface StartedApp {
  readonly name: string;
  readonly url: string;
  /** Every line the app's pino logger wrote, oldest first. */
  readonly logs: string[];
}

export interface Stack {
  readonly mock: MockUpstream;
  readonly apps: readonly StartedApp[];
  /** Set to see log lines as they are written (`--serve`). */
  onLog: ((app: string, line: string) => void) | undefined;
  close(): Promise<void>;
}

export const DEMO_OPENAI_KEY = 'sk-proj-four29DemoKeyNotReal0000000000';
export const DEMO_ANTHROPIC_KEY = 'sk-ant-api03-four29DemoKeyNotReal000000';

/**
 * Starts the mock upstream and every example app on free ports, in this process, each app with
 * its own pino logger whose lines are kept in memory.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const host = options.host ?? '127.0.0.1';
  const mock = await startMockUpstream({ host, port: 0 });
  const running: RunningApp[] = [];
  const stack: Stack = {
    mock,
    apps: [],
    onLog: undefined,
    async close() {
      await Promise.allSettled(running.map((app) => app.close()));
      await mock.close();
    },
  };
  try {
    const apps = await Promise.all(
      (options.frameworks ?? FRAMEWORKS).map(async (framework) => {
        const logs: string[] = [];
        const logger = pino(
          { name: `${framework.name}-example` },
          {
            write(line: string) {
              const trimmed = line.trimEnd();
              logs.push(trimmed);
              stack.onLog?.(framework.name, trimmed);
            },
          },
        );
        const app = await framework.start(
          {
            openaiBaseUrl: `${mock.url}/v1`,
            anthropicBaseUrl: mock.url,
            logger,
            openaiApiKey: options.openaiApiKey ?? DEMO_OPENAI_KEY,
            anthropicApiKey: options.anthropicApiKey ?? DEMO_ANTHROPIC_KEY,
            timeoutMs: options.timeoutMs ?? 1500,
          },
          0,
          host,
        );
        running.push(app);
        return { name: framework.name, url: app.url, logs };
      }),
    );
    return Object.assign(stack, { apps });
  } catch (error) {
    await stack.close();
    throw error;
  }
}
