/**
 * "Several instances, one budget" (issue 13): N paced fetches stand for N instances of a service
 * calling one API key whose per-key budget the mock upstream enforces. Each with its own state,
 * they overshoot it; sharing one store (`createMemoryStore()`, the same decisions the Redis store
 * makes across processes) they stay inside it. Real `openai` SDK, `maxRetries: 0`, no API key,
 * no Redis. Counted at the upstream, over whole windows.
 */
import { setMaxListeners } from 'node:events';
import { type MockUpstream, startMockUpstream } from '@four29/mock-upstream';
import { createMemoryStore, createPacedFetch } from '@four29/resilience';
import OpenAI from 'openai';

export type SharedBudgetVariant = 'separate' | 'shared';

export interface SharedBudgetOptions {
  /** Paced fetches, one per simulated instance. Default 4. */
  readonly instances?: number;
  /** Concurrent callers per instance. Default 3. */
  readonly callers?: number;
  /** Requests the key may make per window. Default 20. */
  readonly requestsPerWindow?: number;
  /** Window length, ms. Default 1000. */
  readonly windowMs?: number;
  /** Whole windows measured. Default 2. */
  readonly windows?: number;
  readonly host?: string;
}

export interface SharedBudgetRow {
  readonly variant: SharedBudgetVariant;
  /** Requests that reached the upstream inside the measured windows. */
  readonly sent: number;
  readonly ok: number;
  /** 429s the upstream answered: the budget overshot. */
  readonly upstream429: number;
}

export interface SharedBudgetResult {
  readonly instances: number;
  readonly callers: number;
  readonly requestsPerWindow: number;
  readonly windowMs: number;
  readonly windows: number;
  readonly rows: readonly SharedBudgetRow[];
}

/** The one key every instance of a variant sends: the budget is per key. */
const FLEET_KEY = 'sk-proj-four29DemoFleetKeyNotReal000000';

const BODY = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: 'One short greeting for the fleet demo.' }],
  max_tokens: 16,
};

function clientsFor(variant: SharedBudgetVariant, mock: MockUpstream, instances: number): OpenAI[] {
  const store = variant === 'shared' ? createMemoryStore() : undefined;
  return Array.from({ length: instances }, () => {
    const paced = createPacedFetch({ logger: false, ...(store !== undefined ? { store } : {}) });
    return new OpenAI({
      apiKey: FLEET_KEY,
      baseURL: `${mock.url}/v1`,
      // Every request a caller asks for is one the upstream counts: no SDK retry adds or hides one.
      maxRetries: 0,
      fetch: paced as typeof fetch,
    });
  });
}

async function runVariant(
  variant: SharedBudgetVariant,
  mock: MockUpstream,
  settings: Required<Omit<SharedBudgetOptions, 'host'>>,
): Promise<SharedBudgetRow> {
  const clients = clientsFor(variant, mock, settings.instances);
  // One request per instance before the run: each (or the store) learns the announced budget.
  // It falls in a window before the measured ones, so it spends none of their budget.
  await Promise.all(clients.map((c) => c.chat.completions.create(BODY).catch(() => {})));

  // Windows are aligned on the epoch: start on the next boundary, measure whole windows.
  const w = settings.windowMs;
  const startAt = (Math.floor((Date.now() + 20) / w) + 1) * w;
  const endAt = startAt + settings.windows * w;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  const timer = setTimeout(() => stop.abort(), Math.max(0, endAt - Date.now()));
  const caller = async (client: OpenAI) => {
    while (!stop.signal.aborted) {
      await client.chat.completions.create(BODY, { signal: stop.signal }).catch(() => {});
    }
  };
  await Promise.all(
    clients.flatMap((client) => Array.from({ length: settings.callers }, () => caller(client))),
  );
  clearTimeout(timer);

  const seen = mock.requests.filter((r) => r.at >= startAt && r.at < endAt && r.status !== null);
  return {
    variant,
    sent: seen.length,
    ok: seen.filter((r) => r.status === 200).length,
    upstream429: seen.filter((r) => r.status === 429).length,
  };
}

/**
 * Runs both variants at once, each against its own mock upstream (so each has a whole budget):
 * a few seconds, one process.
 */
export async function runSharedBudget(
  options: SharedBudgetOptions = {},
): Promise<SharedBudgetResult> {
  const settings = {
    instances: options.instances ?? 4,
    callers: options.callers ?? 3,
    requestsPerWindow: options.requestsPerWindow ?? 20,
    windowMs: options.windowMs ?? 1000,
    windows: options.windows ?? 2,
  };
  const host = options.host ?? '127.0.0.1';
  const variants: readonly SharedBudgetVariant[] = ['separate', 'shared'];
  const mocks = await Promise.all(
    variants.map(() =>
      startMockUpstream({
        host,
        port: 0,
        bucket: { requestsPerMinute: settings.requestsPerWindow, windowMs: settings.windowMs },
      }),
    ),
  );
  try {
    const rows = await Promise.all(
      variants.map((variant, i) => runVariant(variant, mocks[i] as MockUpstream, settings)),
    );
    return { ...settings, rows };
  } finally {
    await Promise.all(mocks.map((m) => m.close()));
  }
}

const LABELS: Record<SharedBudgetVariant, string> = {
  separate: 'each its own state',
  shared: 'one shared store (createMemoryStore)',
};

export function renderSharedBudget(result: SharedBudgetResult): string {
  const budget = result.requestsPerWindow * result.windows;
  const lines = [
    `${result.instances} paced fetches (createPacedFetch, openai SDK, maxRetries 0) × ${result.callers} callers on one key,`,
    `budget ${result.requestsPerWindow} requests per ${result.windowMs} ms window, ${result.windows} windows (${budget} requests):`,
    '',
    `  ${'instances share'.padEnd(38)} ${'sent'.padStart(5)} ${'ok'.padStart(5)} ${'upstream 429s'.padStart(14)}`,
  ];
  for (const row of result.rows) {
    lines.push(
      `  ${LABELS[row.variant].padEnd(38)} ${String(row.sent).padStart(5)} ${String(row.ok).padStart(5)} ${String(row.upstream429).padStart(14)}`,
    );
  }
  lines.push(
    '',
    'Across processes, createRedisStore from @four29/redis makes the same decisions: docs/scaling.md.',
  );
  return lines.join('\n');
}
