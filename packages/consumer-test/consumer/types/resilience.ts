// Type-checked as .mts and .cts under node16 and as .ts under bundler (see README).
import type { Classification } from '@four29/core';
import {
  createPacedFetch,
  createQuotaBreaker,
  type PacedFetch,
  type QuotaBreakerStatus,
  type RetryEvent,
  withRetry,
} from '@four29/resilience';

export const pacedFetch: PacedFetch = createPacedFetch({ maxWaitMs: 1_000 });
const breaker = createQuotaBreaker({ cooldownMs: 60_000 });

export async function call(): Promise<string> {
  return withRetry(() => breaker.run(() => 'reply', { key: 'k', provider: 'openai' }), {
    maxAttempts: 2,
    onRetry: (event: RetryEvent) => {
      const c: Classification = event.classification;
      void c.kind;
    },
  });
}

export async function status(): Promise<QuotaBreakerStatus> {
  return (await breaker.state({ key: 'k', provider: 'openai' })).status;
}

// @ts-expect-error -- proves the options are typed and not `any`: a count is a number.
createQuotaBreaker({ cooldownMs: 'soon' });
