import { parseArgs } from 'node:util';
import { CASES, caseId } from './cases.js';
import { renderDisagreements, renderProblem, renderTable } from './report.js';
import { disagreements, type Outcome, runAll } from './runner.js';
import { renderSharedBudget, runSharedBudget } from './shared-budget.js';
import { type Stack, type StartedApp, startStack } from './stack.js';

const USAGE = `Usage: pnpm demo [--serve]

Starts the mock upstream and the example apps on free ports, sends every scenario to every app
over HTTP and prints what each answered, then shows paced fetches acting as several instances
overshoot one shared budget with their own state and keep to it with one shared store.
Exits non-zero if two frameworks answer differently.

  --serve   keep everything running afterwards and print URLs and curl lines to try`;

function findLogLine(app: StartedApp | undefined, requestId: string): string | undefined {
  return app?.logs.find((line) => {
    try {
      return (JSON.parse(line) as { http?: { requestId?: unknown } }).http?.requestId === requestId;
    } catch {
      return false;
    }
  });
}

function sample(outcomes: readonly Outcome[], framework: string, id: string): Outcome | undefined {
  return outcomes.find((o) => o.framework === framework && caseId(o.case) === id);
}

function curlLines(stack: Stack): string {
  const lines: string[] = [];
  for (const app of stack.apps) {
    lines.push(`  ${app.name.padEnd(8)} ${app.url}`);
  }
  const first = stack.apps[0]?.url ?? 'http://127.0.0.1:PORT';
  const json = `-H 'content-type: application/json' -d '{"prompt":"Hello"}'`;
  return [
    `Mock upstream: ${stack.mock.url}  (scenarios: GET ${stack.mock.url}/)`,
    'Apps:',
    ...lines,
    '',
    'Try (any app URL; the x-mock-scenario header picks what the upstream does):',
    `  curl -i ${first}/chat ${json}`,
    `  curl -i ${first}/chat -H 'x-mock-scenario: rate_limited_tokens' ${json}`,
    `  curl -i ${first}/claude -H 'x-mock-scenario: overloaded' ${json}`,
    `  curl -i ${first}/chat -H 'x-mock-scenario: insufficient_quota' ${json}`,
    `  curl -N ${first}/chat/stream -H 'x-mock-scenario: stream_error' ${json}`,
    '',
    'Log lines of the apps follow (an upstream error identical to one logged in the last minute is only',
    "counted: four29's log storm suppression). Ctrl-C stops everything.",
  ].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { serve: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const startedAt = Date.now();
  const stack = await startStack();
  let closing: Promise<void> | undefined;
  const stop = (code: number) => {
    closing ??= stack.close().finally(() => process.exit(code));
    return closing;
  };
  process.once('SIGINT', () => void stop(130));
  process.once('SIGTERM', () => void stop(143));

  const names = stack.apps.map((app) => app.name);
  const outcomes = await runAll(stack);
  const disagreeing = disagreements(outcomes);
  const noAnswer = outcomes.filter((o) => o.status === 0);

  console.log(
    `\nfour29 demo: ${CASES.length} requests to each of ${names.join(', ')} (mock upstream ${stack.mock.url})\n`,
  );
  console.log(renderTable(outcomes, names, CASES, disagreeing));
  console.log(
    '\ncell: HTTP status, Retry-After, kind (from the problem body or the SSE error event)',
  );

  const problem = sample(outcomes, names[0] ?? '', 'rate_limited_tokens /chat');
  if (problem !== undefined) {
    console.log(`\nSample answer (${problem.framework}, rate_limited_tokens on /chat):\n`);
    console.log(renderProblem(problem));
  }
  const logged = sample(outcomes, names[0] ?? '', 'insufficient_quota /chat');
  const logLine = logged !== undefined ? findLogLine(stack.apps[0], logged.requestId) : undefined;
  if (logLine !== undefined) {
    console.log(`\nSample log line (${names[0]}, insufficient_quota on /chat, pino JSON):\n`);
    console.log(logLine);
  }

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  let code = 0;
  if (disagreeing.length > 0 || noAnswer.length > 0) {
    code = 1;
    console.log(`\nFAIL: the frameworks disagree on ${disagreeing.length} case(s):`);
    console.log(renderDisagreements(disagreeing));
    for (const o of noAnswer) console.log(`  ${o.framework} ${caseId(o.case)}: ${o.failure}`);
  } else {
    console.log(
      `\nAll ${names.length} frameworks answered all ${CASES.length} cases alike: status, headers and body bytes (${seconds}s).`,
    );
  }

  console.log('\nSeveral instances, one budget\n');
  console.log(renderSharedBudget(await runSharedBudget()));

  if (values.serve === true) {
    console.log(`\n${curlLines(stack)}\n`);
    stack.onLog = (app, line) => console.log(`[${app}] ${line}`);
    return new Promise<number>(() => {
      // Runs until Ctrl-C / SIGTERM: the handlers above close everything.
    });
  }
  await stop(code);
  return code;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
