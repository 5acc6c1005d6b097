#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { SCENARIOS } from './scenarios.js';
import { startMockUpstream } from './server.js';
import type { BucketOptions } from './types.js';

const HELP = `Usage: four29-mock-upstream [options]

Options (environment variable in brackets):
  --port <n>         port, 0 for a free one (MOCK_UPSTREAM_PORT, default 4290)
  --host <addr>      address to bind (MOCK_UPSTREAM_HOST, default 127.0.0.1)
  --rpm <n>          requests per minute per API key (MOCK_UPSTREAM_RPM)
  --tpm <n>          tokens per minute per API key (MOCK_UPSTREAM_TPM)
  --latency <ms>     delay before each answer (MOCK_UPSTREAM_LATENCY_MS)
  --quiet            do not log requests
  -h, --help         show this help
`;

function fail(message: string): never {
  process.stderr.write(`four29-mock-upstream: ${message}\n\n${HELP}`);
  process.exit(2);
}

function int(name: string, raw: string | undefined, fallback?: number): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) fail(`${name} must be a non-negative integer, got '${raw}'`);
  return Number(raw);
}

function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      latency: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}
let values: ReturnType<typeof parse>['values'];
try {
  values = parse().values;
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const env = process.env;
const port = int('--port', values.port ?? env.MOCK_UPSTREAM_PORT, 4290) ?? 4290;
const rpm = int('--rpm', values.rpm ?? env.MOCK_UPSTREAM_RPM);
const tpm = int('--tpm', values.tpm ?? env.MOCK_UPSTREAM_TPM);
const latencyMs = int('--latency', values.latency ?? env.MOCK_UPSTREAM_LATENCY_MS, 0) ?? 0;
if (tpm !== undefined && rpm === undefined) fail('--tpm needs --rpm too');
let bucket: BucketOptions | undefined;
if (rpm !== undefined) {
  if (rpm === 0 || tpm === 0) fail('--rpm and --tpm must be at least 1');
  bucket =
    tpm === undefined
      ? { requestsPerMinute: rpm }
      : { requestsPerMinute: rpm, tokensPerMinute: tpm };
}

try {
  const mock = await startMockUpstream({
    port,
    host: values.host ?? env.MOCK_UPSTREAM_HOST ?? '127.0.0.1',
    latencyMs,
    log: !values.quiet,
    ...(bucket === undefined ? {} : { bucket }),
  });
  // Before printing: whoever waits for the URL may signal us the moment it appears.
  const stop = () => {
    mock.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const width = Math.max(...Object.keys(SCENARIOS).map((s) => s.length));
  const lines = [
    `four29 mock upstream listening on ${mock.url}`,
    '',
    `  OpenAI      baseURL ${mock.url}/v1`,
    `  Azure       endpoint ${mock.url}  (AzureOpenAI client)`,
    `  OpenRouter  baseURL ${mock.url}/api/v1`,
    `  Anthropic   baseURL ${mock.url}`,
    `  Gemini      baseUrl ${mock.url}  (POST /v1beta/models/{model}:generateContent)`,
    '',
    bucket === undefined
      ? 'Rate limit: default (generous) per-key bucket'
      : `Rate limit: ${bucket.requestsPerMinute} requests/min${
          bucket.tokensPerMinute === undefined ? '' : `, ${bucket.tokensPerMinute} tokens/min`
        } per API key`,
    '',
    'Scenarios (header x-mock-scenario: <name>, or base URL prefix /scenario/<name>):',
    ...Object.entries(SCENARIOS).map(([name, text]) => `  ${name.padEnd(width)}  ${text}`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
