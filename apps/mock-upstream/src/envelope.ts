import type { MockProvider } from './types.js';

/**
 * The mock's own refusals (bad JSON, unknown path or scenario, missing fields) in each
 * provider's error envelope, so an SDK parses them into its usual error class. Provider
 * *behaviours* (rate limits, quota, overload…) never come from here: they are replayed from
 * `@four29/fixtures`. Messages start with `mock-upstream:` so nobody mistakes them for real ones.
 */
export function errorEnvelope(provider: MockProvider, status: number, message: string): unknown {
  switch (provider) {
    case 'anthropic':
      return { type: 'error', error: { type: anthropicType(status), message } };
    case 'google':
      return { error: { code: status, message, status: googleStatus(status) } };
    case 'openrouter':
      return { error: { code: status, message } };
    default:
      return {
        error: {
          message,
          type: status >= 500 ? 'server_error' : 'invalid_request_error',
          param: null,
          code: status === 404 ? 'not_found' : null,
        },
      };
  }
}

function anthropicType(status: number): string {
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

function googleStatus(status: number): string {
  if (status === 404) return 'NOT_FOUND';
  if (status === 405) return 'UNIMPLEMENTED';
  if (status === 501) return 'UNIMPLEMENTED';
  if (status >= 500) return 'INTERNAL';
  return 'INVALID_ARGUMENT';
}
