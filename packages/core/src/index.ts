export {
  type AnnouncedLimit,
  classify,
  parseRetryAfter,
  type RateLimitHeaders,
  readRateLimitHeaders,
} from './classify/index.js';
export {
  createUpstreamErrorHandler,
  type HandleContext,
  type HandledUpstreamError,
  type UpstreamErrorHandler,
} from './handler.js';
export { isRetryableClassification, NEVER_RETRYABLE_KINDS } from './kinds.js';
export { consoleLogger, type LogRecordOptions, logLevelFor, toLogRecord } from './log.js';
export {
  DEFAULT_LOG_SUPPRESSION_WINDOW_MS,
  type SuppressedLogSummary,
  withLogSuppression,
} from './log-suppression.js';
export {
  DEFAULT_POLICY,
  DEFAULT_PROBLEM_TYPE_BASE,
  PASSTHROUGH_POLICY,
  problemType,
  resolvePolicy,
  retryAfterSeconds,
  toProblem,
} from './problem.js';
export { redact } from './redact.js';
export { remediationFor } from './remediation/index.js';
export * from './types.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  type FromResponseOptions,
  UpstreamHttpError,
  type UpstreamHttpErrorInit,
  type UpstreamResponseLike,
} from './upstream-http-error.js';
