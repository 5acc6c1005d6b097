/** The mock upstream's scenarios (`x-mock-scenario`), in the order the demo shows them. */
export const SCENARIOS = [
  'ok',
  'rate_limited_tokens',
  'rate_limited_requests',
  'insufficient_quota',
  'request_too_large',
  'overloaded',
  'auth',
  'timeout',
  'server_error',
  'stream_error',
] as const;

export type Scenario = (typeof SCENARIOS)[number];

/** `/chat` calls OpenAI, `/claude` Anthropic, `/chat/stream` streams OpenAI tokens as SSE. */
export type Route = '/chat' | '/claude' | '/chat/stream';

export interface Case {
  readonly scenario: Scenario;
  readonly route: Route;
}

/**
 * Every scenario on both providers; `stream_error` only means something for a stream, and `ok`
 * on the stream route shows a stream that ends well.
 */
export const CASES: readonly Case[] = SCENARIOS.flatMap((scenario): Case[] =>
  scenario === 'stream_error'
    ? [{ scenario, route: '/chat/stream' }]
    : scenario === 'ok'
      ? [
          { scenario, route: '/chat' },
          { scenario, route: '/claude' },
          { scenario, route: '/chat/stream' },
        ]
      : [
          { scenario, route: '/chat' },
          { scenario, route: '/claude' },
        ],
);

export function caseId(c: Case): string {
  return `${c.scenario} ${c.route}`;
}
