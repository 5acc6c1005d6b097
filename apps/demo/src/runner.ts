import { CASES, type Case, caseId } from './cases.js';
import type { Stack, StartedApp } from './stack.js';

export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

export interface Outcome {
  readonly framework: string;
  readonly case: Case;
  /** Sent as `x-request-id`, so the app's log line for this request can be found. */
  readonly requestId: string;
  /** 0 when no HTTP answer came back at all. */
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The problem document: the body of a problem+json answer, or the data of an SSE `error` event. */
  readonly problem?: Readonly<Record<string, unknown>>;
  /** Parsed body of a successful JSON answer. */
  readonly json?: unknown;
  /** Events of a `text/event-stream` answer. */
  readonly events?: readonly SseEvent[];
  /** Network failure or unparsable answer. */
  readonly failure?: string;
}

export const DEMO_PROMPT = 'Say hello to the four29 demo.';

export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (block.trim() === '') continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    events.push({ event, data: data.join('\n') });
  }
  return events;
}

function mediaType(headers: Readonly<Record<string, string>>): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Sends one case to one app over real HTTP and reads the whole answer. */
export async function runCase(app: StartedApp, c: Case, runId = 'demo'): Promise<Outcome> {
  const requestId = `${runId}-${app.name}-${c.scenario}-${c.route.replace(/\W+/g, '')}`;
  const base = { framework: app.name, case: c, requestId };
  let res: Response;
  let body: string;
  try {
    res = await fetch(`${app.url}${c.route}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-mock-scenario': c.scenario,
        'x-request-id': requestId,
      },
      body: JSON.stringify({ prompt: DEMO_PROMPT }),
      // Far above the apps' own upstream timeout: a hang here is a bug in the app.
      signal: AbortSignal.timeout(15_000),
    });
    body = await res.text();
  } catch (error) {
    return { ...base, status: 0, headers: {}, body: '', failure: String(error) };
  }
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const type = mediaType(headers);
  if (type === 'text/event-stream') {
    const events = parseSse(body);
    const error = events.find((e) => e.event === 'error');
    const problem = error !== undefined ? asRecord(parseJson(error.data)) : undefined;
    return { ...base, status: res.status, headers, body, events, ...(problem ? { problem } : {}) };
  }
  const parsed = parseJson(body);
  if (type === 'application/problem+json') {
    const problem = asRecord(parsed);
    return problem !== undefined
      ? { ...base, status: res.status, headers, body, problem }
      : { ...base, status: res.status, headers, body, failure: 'unparsable problem body' };
  }
  return { ...base, status: res.status, headers, body, json: parsed };
}

/**
 * Every case against every app: one case at a time, all apps at once, so each app sees the same
 * sequence of upstream errors (which matters for log storm suppression).
 */
export async function runAll(
  stack: Pick<Stack, 'apps'>,
  cases: readonly Case[] = CASES,
  runId = 'demo',
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const c of cases) {
    outcomes.push(...(await Promise.all(stack.apps.map((app) => runCase(app, c, runId)))));
  }
  return outcomes;
}

/** What must be identical across frameworks for one case. */
export function signature(o: Outcome): string {
  const problemAnswer = mediaType(o.headers) === 'application/problem+json';
  // Each app got its own request id and echoes it in the problem: the one byte run allowed to differ.
  const sameId = (text: string | undefined) => text?.split(JSON.stringify(o.requestId)).join('"…"');
  return JSON.stringify({
    status: o.status,
    failure: o.failure,
    type: mediaType(o.headers),
    retryAfter: o.headers['retry-after'],
    // The headers four29 sets, and the exact body bytes it renders.
    ...(problemAnswer
      ? { cacheControl: o.headers['cache-control'], body: sameId(o.body) }
      : o.events !== undefined
        ? { events: o.events.map((e) => ({ ...e, data: sameId(e.data) })) }
        : { json: o.json }),
  });
}

export interface Disagreement {
  readonly case: Case;
  /** Signature → frameworks that answered with it. */
  readonly groups: ReadonlyMap<string, readonly string[]>;
}

export function disagreements(outcomes: readonly Outcome[]): Disagreement[] {
  const byCase = new Map<string, { case: Case; groups: Map<string, string[]> }>();
  for (const o of outcomes) {
    const id = caseId(o.case);
    let entry = byCase.get(id);
    if (entry === undefined) {
      entry = { case: o.case, groups: new Map() };
      byCase.set(id, entry);
    }
    const sig = signature(o);
    entry.groups.set(sig, [...(entry.groups.get(sig) ?? []), o.framework]);
  }
  return [...byCase.values()].filter((e) => e.groups.size > 1);
}

/** A short label for a table cell: status, Retry-After and kind. */
export function cell(o: Outcome): string {
  if (o.failure !== undefined && o.status === 0) return 'no answer';
  const retryAfter = o.headers['retry-after'];
  const ra = retryAfter !== undefined ? `${retryAfter}s` : '-';
  const kind = typeof o.problem?.kind === 'string' ? o.problem.kind : undefined;
  let label: string;
  if (o.events !== undefined) label = kind !== undefined ? `${kind} (sse)` : 'ok (sse)';
  else if (kind !== undefined) label = kind;
  else if (o.status >= 200 && o.status < 300) label = 'ok';
  else label = 'not four29';
  return `${o.status} ${ra.padEnd(3)} ${label}`;
}
