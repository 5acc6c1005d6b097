import type { ScenarioId } from '@four29/fixtures';

export const SCENARIOS: Readonly<Record<ScenarioId, string>> = {
  ok: 'Success (JSON or stream), with rate-limit headers from the per-key bucket.',
  rate_limited_tokens: 'Replays the provider 429 for a tokens-per-minute limit.',
  rate_limited_requests: 'Replays the provider 429 for a requests-per-minute limit.',
  insufficient_quota: 'Replays the provider quota / billing error (not retryable).',
  request_too_large: 'Replays the provider error for a request larger than the limit allows.',
  overloaded: 'Replays the provider overload error (503; 529 for Anthropic).',
  auth: 'Replays the provider invalid-API-key error.',
  timeout: 'Never answers; the client times out. close() still returns at once.',
  server_error: 'Replays the provider 500.',
  stream_error: 'Streams a few tokens, then fails mid-stream the way the provider does.',
};

export const SCENARIO_IDS = Object.keys(SCENARIOS) as ScenarioId[];

export function isScenario(value: string): value is ScenarioId {
  return Object.hasOwn(SCENARIOS, value);
}
