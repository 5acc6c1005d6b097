/**
 * `@four29/core/internal`: the plumbing four29's own packages share. Adapters write a handled
 * error to a Node response with it; `@four29/resilience` reads its options through the same
 * helpers as the core. Not for applications: it has no stability promise of its own, and every
 * four29 package is released in one fixed version group, so each package always gets the core
 * it was built with.
 */
export {
  finishStartedResponse,
  isEventStream,
  type NodeResponseLike,
  sendProblem,
} from './node-response.js';
export { clockOption, countOption, MAX_TIMER_MS, numberOption, unrefTimer } from './options.js';
export { unknownOptions, warnInvalidOptions } from './settings.js';
export { toServerSentEvent } from './sse.js';
