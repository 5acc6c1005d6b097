export { isRetryableClassification } from '../kinds.js';
export {
  createQuotaBreaker,
  type QuotaBreaker,
  type QuotaBreakerOptions,
  type QuotaBreakerScope,
  type QuotaBreakerState,
  type QuotaBreakerStatus,
} from './breaker.js';
export {
  createPacedFetch,
  type PacedFetch,
  type PacedFetchHoldEvent,
  type PacedFetchOptions,
} from './paced-fetch.js';
export {
  type RetryAttempt,
  type RetryEvent,
  type RetryOptions,
  withRetry,
} from './retry.js';
export {
  DEFAULT_LOG_SUPPRESSION_WINDOW_MS,
  type LogSuppressionOptions,
  type SuppressedLogSummary,
  withLogSuppression,
} from './suppression.js';
