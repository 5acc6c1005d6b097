// Type-checked as .mts and .cts under node16 and as .ts under bundler (see README).
import { createUpstreamErrorHandler, type Four29Options } from '@four29/core';
import { type Four29Otel, four29Otel } from '@four29/otel';
import { createPacedFetch, createQuotaBreaker, withRetry } from '@four29/resilience';
import { metrics } from '@opentelemetry/api';

export const otel: Four29Otel = four29Otel({ meter: metrics.getMeter('consumer') });

// Every hook fits the option it is meant for, without a cast.
export const options: Four29Options = { onHandled: otel.onHandled };
export const handle = createUpstreamErrorHandler({ onHandled: otel.onHandled });
export const breaker = createQuotaBreaker({ ...otel.breakerHooks, cooldownMs: 60_000 });
export const paced = createPacedFetch({ ...otel.pacedFetchHooks });
export const reply = withRetry(async () => 'reply', { ...otel.retryHooks, maxAttempts: 2 });

// @ts-expect-error -- proves the options are typed and not `any`: a meter is not a string.
four29Otel({ meter: 'global' });
