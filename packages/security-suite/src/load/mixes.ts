/**
 * What the load run sends, and what each request must get back. The expected answer of every
 * (route, scenario) pair is derived from the fixture the mock upstream replays for it, through
 * core's own handler with the default policy: the load run checks that under load the example
 * apps answer exactly as the policy predicts, so no 5xx comes from four29's own code.
 */
import { createUpstreamErrorHandler, type UpstreamErrorKind } from '@four29/core';
import { type FixtureProvider, type ScenarioId, scenarioFixture } from '@four29/fixtures';

export type Route = '/chat' | '/claude' | '/chat/stream';

const PROVIDER: Readonly<Record<Route, FixtureProvider>> = {
  '/chat': 'openai',
  '/claude': 'anthropic',
  '/chat/stream': 'openai',
};

export type Expected =
  | { readonly kind: 'success'; readonly stream: boolean }
  | { readonly kind: 'problem'; readonly status: number; readonly problemKind: UpstreamErrorKind }
  /** A stream that started, then carried one problem event. */
  | { readonly kind: 'stream-problem'; readonly problemKind: UpstreamErrorKind };

export interface Case {
  readonly route: Route;
  readonly scenario: ScenarioId;
  readonly expected: Expected;
}

const handle = createUpstreamErrorHandler({ logger: false });

function problemFor(
  route: Route,
  scenario: ScenarioId,
): { status: number; kind: UpstreamErrorKind } {
  const fixture = scenarioFixture(PROVIDER[route], scenario);
  if (fixture === undefined) throw new Error(`no ${PROVIDER[route]} fixture for ${scenario}`);
  const r = fixture.respond(Date.now());
  const handled = handle({ status: r.status, headers: r.headers, body: r.body });
  if (handled === null) throw new Error(`core does not classify ${fixture.id}`);
  return { status: handled.status, kind: handled.classification.kind };
}

export function caseFor(route: Route, scenario: ScenarioId): Case {
  if (scenario === 'ok')
    return { route, scenario, expected: { kind: 'success', stream: route === '/chat/stream' } };
  if (scenario === 'stream_error') {
    // The mock replays the provider's server_error fixture as the event inside the stream.
    const { kind } = problemFor(route, 'server_error');
    return { route, scenario, expected: { kind: 'stream-problem', problemKind: kind } };
  }
  const { status, kind } = problemFor(route, scenario);
  return { route, scenario, expected: { kind: 'problem', status, problemKind: kind } };
}

const ERRORS: readonly ScenarioId[] = [
  'rate_limited_tokens',
  'rate_limited_requests',
  'insufficient_quota',
  'request_too_large',
  'overloaded',
  'auth',
  'server_error',
];

export interface Mix {
  readonly name: string;
  readonly description: string;
  readonly cases: readonly Case[];
}

/** Scenario mixes; each request of a connection takes the next case, round robin. */
export const MIXES: readonly Mix[] = [
  {
    name: 'success',
    description: 'every upstream call succeeds (chat, claude, stream)',
    cases: [caseFor('/chat', 'ok'), caseFor('/claude', 'ok'), caseFor('/chat/stream', 'ok')],
  },
  {
    name: 'errors',
    description: 'every upstream call fails, each failure kind in turn (OpenAI and Anthropic)',
    cases: ERRORS.flatMap((s) => [caseFor('/chat', s), caseFor('/claude', s)]),
  },
  {
    name: 'mixed',
    description: 'half successes, half failures, streams failing before and after the first token',
    cases: [
      ...ERRORS.flatMap((s) => [
        caseFor('/chat', 'ok'),
        caseFor('/chat', s),
        caseFor('/claude', s),
      ]),
      caseFor('/claude', 'ok'),
      caseFor('/chat/stream', 'ok'),
      caseFor('/chat/stream', 'rate_limited_tokens'),
      caseFor('/chat/stream', 'stream_error'),
    ],
  },
];
