import { classify } from './classify/index.js';
import type { LogRecordOptions } from './log.js';
import { consoleLogger, emitLog, logKeyOf, toLogRecord } from './log.js';
import { createLogSuppression } from './log-suppression.js';
import { clockOption } from './options.js';
import { problemJson, toProblem } from './problem.js';
import { toServerSentEvent } from './sse.js';
import type {
  Classification,
  Four29Options,
  LogContext,
  LogRecord,
  ProblemResponse,
} from './types.js';

export interface HandleContext extends LogContext {
  /**
   * The response has already sent its status and headers (for example a token stream). Only then is
   * `downstreamStatus` logged: it is what the client really got, instead of the policy's status.
   */
  readonly responseStarted?: boolean | undefined;
}

/** Everything an adapter needs to answer one upstream error. */
export interface HandledUpstreamError {
  readonly classification: Classification;
  readonly problem: ProblemResponse;
  readonly status: number;
  /** Lower-case header names, ready to set. */
  readonly headers: Readonly<Record<string, string>>;
  /** The serialized problem document: adapters send these exact bytes so every framework answers alike. */
  readonly body: string;
  /** One Server-Sent Events `error` event carrying the problem, for responses that are already streaming. */
  readonly sse: string;
  /**
   * The log record. When nothing was logged (`logger: false`, or a repeat that log suppression only
   * counted) it is built on first read, from the request context and options as they were when the
   * error was handled.
   */
  readonly log: LogRecord;
}

export type UpstreamErrorHandler = (
  error: unknown,
  context?: HandleContext,
) => HandledUpstreamError | null;

const NO_REMEDIATION: Classification['remediation'] = { causes: [], steps: [] };

/**
 * What the log record reads of the request, read now, inside the handler's guard: the record may
 * be built later, when the context's getters could throw or its values have changed.
 * `downstreamStatus` is only what the client really got once the response has started.
 */
function logContextOf(context: HandleContext | undefined): LogContext {
  if (context === undefined || context === null) return {};
  const requestId = context.requestId;
  return {
    method: context.method,
    path: context.path,
    requestId: Array.isArray(requestId) ? [...(requestId as readonly string[])] : requestId,
    downstreamStatus: context.responseStarted === true ? context.downstreamStatus : undefined,
  };
}

/**
 * The options the log record reads, read now for the same reason; the user's redaction patterns
 * are kept, never dropped, so a record built later hides what they hide.
 */
function logOptionsOf(options: Four29Options): LogRecordOptions {
  const redaction = options.redaction;
  const patterns = redaction?.patterns;
  return {
    policy: options.policy,
    redaction:
      redaction === undefined || redaction === null
        ? undefined
        : {
            patterns: Array.isArray(patterns) ? [...(patterns as readonly RegExp[])] : patterns,
            replacement: redaction.replacement,
          },
  };
}

function decide(options: Four29Options, c: Classification, error: unknown): boolean {
  if (typeof options.shouldHandle !== 'function') return true;
  try {
    return options.shouldHandle(c, error) !== false;
  } catch {
    // Documented: a predicate that throws counts as "handle", the safer answer on the error path.
    return true;
  }
}

/**
 * The one call every adapter makes: classify, decide, render, log. Returns `null` for anything
 * that is not an upstream error (or that `shouldHandle` declines) so the adapter can hand it to
 * the framework untouched. Never throws.
 */
export function createUpstreamErrorHandler(options: Four29Options = {}): UpstreamErrorHandler {
  // One wrapper per handler: storms of identical upstream errors log once per window plus a count.
  const suppression =
    options.logger === false
      ? undefined
      : createLogSuppression(options.logger ?? consoleLogger, options.logSuppression, options.now);
  // A broken test clock must not cost the answer: it falls back to the real clock.
  const clock = clockOption(options.now);
  return (error, context) => {
    try {
      const now = clock();
      const classification = classify(
        error,
        options.provider !== undefined ? { now, provider: options.provider } : { now },
      );
      if (classification === null || !decide(options, classification, error)) return null;
      const problem = toProblem(classification, options);
      const body = problemJson(problem.body);
      let log: LogRecord | undefined;
      // A repeat inside an open suppression window is only counted: no record to build now.
      if (
        suppression !== undefined &&
        !suppression.countRepeat(logKeyOf(classification, options))
      ) {
        log = toLogRecord(classification, logContextOf(context), options);
        // pino and friends add their own level and msg; passing ours too would duplicate keys.
        const { level, msg, ...fields } = log;
        emitLog(suppression.logger, level, fields, msg);
      }
      // Without a logger, or for a counted repeat, nobody may ever read the record: build it on
      // first read, from what the request and options said now. It is a third of the handler's
      // work per error.
      const logContext = log === undefined ? logContextOf(context) : {};
      const logOptions = log === undefined ? logOptionsOf(options) : {};
      if (typeof options.onHandled === 'function') {
        const status =
          context?.responseStarted === true && typeof context.downstreamStatus === 'number'
            ? context.downstreamStatus
            : problem.status;
        try {
          // Typed as returning void, but an async hook is easy to pass: its rejection must not
          // become an unhandled rejection, which crashes Node by default.
          const result: unknown = options.onHandled({ classification, status, error });
          if (typeof (result as { then?: unknown } | null)?.then === 'function')
            (result as PromiseLike<unknown>).then(undefined, () => {});
        } catch {
          // Telemetry must never change the answer.
        }
      }
      let sse: string | undefined;
      return {
        classification,
        problem,
        status: problem.status,
        headers: problem.headers,
        body,
        get sse() {
          sse ??= toServerSentEvent(body);
          return sse;
        },
        get log() {
          if (log !== undefined) return log;
          try {
            log = toLogRecord(classification, logContext, logOptions);
          } catch {
            // Only a classification booby-trapped after the fact gets here; a getter must not
            // throw, so the record says what the problem says, and nothing from the upstream.
            log = toLogRecord(
              {
                kind: problem.body.kind,
                provider: 'generic',
                retryable: problem.body.retryable,
                remediation: NO_REMEDIATION,
              },
              logContext,
              logOptions,
            );
          }
          return log;
        },
      };
    } catch {
      // Last resort: the framework's own error handling still answers.
      return null;
    }
  };
}
