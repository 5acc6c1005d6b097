export {
  createQuotaBreaker,
  type QuotaBreaker,
  type QuotaBreakerOptions,
  type QuotaBreakerScope,
  type QuotaBreakerState,
  type QuotaBreakerStateChange,
  type QuotaBreakerStatus,
} from './breaker.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory-store.js';
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
export { createRetryGuard, type RetryGuardOptions } from './retry-guard.js';
export type {
  BreakerEntry,
  BreakerRecord,
  BreakerStore,
  BreakerTrip,
  PaceDecision,
  PaceReport,
  PaceRequest,
  PacingStore,
  ResilienceStore,
  SharedBudget,
} from './store.js';
export { SAME_WINDOW_MS } from './store.js';
