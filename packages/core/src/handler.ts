import { classifyUnredacted, withRedactedMessage } from './classify/index.js';
import { get } from './classify/safe.js';
import { buildLogRecord, emitLog, guardLogContext, logKeyOf } from './log.js';
import { renderProblem } from './problem.js';
import { type HandlerSettings, handlerSettings } from './settings.js';
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
   * counted) it is built on first read, from the request and options as they were when the error
   * was handled.
   */
  readonly log: LogRecord;
}

export type UpstreamErrorHandler = (
  error: unknown,
  context?: HandleContext,
) => HandledUpstreamError | null;

function shouldHandle(settings: HandlerSettings, c: Classification, error: unknown): boolean {
  if (settings.shouldHandle === undefined) return true;
  try {
    return settings.shouldHandle(c, error) !== false;
  } catch {
    // Documented: a predicate that throws counts as "handle", the safer answer on the error path.
    return true;
  }
}

function notifyHandled(
  settings: HandlerSettings,
  classification: Classification,
  status: number,
  error: unknown,
): void {
  if (settings.onHandled === undefined) return;
  try {
    // Typed as returning void, but an async hook is easy to pass: its rejection must not become
    // an unhandled rejection, which crashes Node by default.
    const result: unknown = settings.onHandled({ classification, status, error });
    if (typeof (result as { then?: unknown } | null)?.then === 'function')
      (result as PromiseLike<unknown>).then(undefined, () => {});
  } catch {
    // Telemetry must never change the answer.
  }
}

/**
 * The one call every adapter makes: classify, decide, render, log. Returns `null` for anything
 * that is not an upstream error (or that `shouldHandle` declines) so the adapter can hand it to
 * the framework untouched. Options are checked here, once; the returned function never throws.
 */
export function createUpstreamErrorHandler(options?: Four29Options): UpstreamErrorHandler {
  const settings = handlerSettings(options);
  // The hooks receive the classification `classify` returns; without them the message is only
  // redacted when something reads it: the log record, or `classification` on the result.
  const eager = settings.shouldHandle !== undefined || settings.onHandled !== undefined;
  return (error, context) => {
    try {
      const found = classifyUnredacted(
        error,
        settings.provider !== undefined
          ? { now: settings.now(), provider: settings.provider }
          : { now: settings.now() },
      );
      if (found === null) return null;
      let classification = eager ? withRedactedMessage(found) : undefined;
      const full = (): Classification => {
        classification ??= withRedactedMessage(found);
        return classification;
      };
      if (eager && !shouldHandle(settings, full(), error)) return null;
      const request = guardLogContext(context, settings.redaction);
      const started = get(context, 'responseStarted') === true;
      // What the client really got is only known, and logged, once the response has started.
      const logContext = started ? request : { ...request, downstreamStatus: undefined };
      const problem = renderProblem(found.classification, settings, request.requestId);
      const body = JSON.stringify(problem.body);
      let log: LogRecord | undefined;
      const suppression = settings.log;
      // A repeat inside an open suppression window is only counted: no record to build.
      if (
        suppression !== undefined &&
        !suppression.countRepeat(logKeyOf(found.classification, settings))
      ) {
        log = buildLogRecord(full(), logContext, settings);
        // pino and friends add their own level and msg; passing ours too would duplicate keys.
        const { level, msg, ...fields } = log;
        emitLog(suppression.logger, level, fields, msg);
      }
      if (eager)
        notifyHandled(
          settings,
          full(),
          started && logContext.downstreamStatus !== undefined
            ? logContext.downstreamStatus
            : problem.status,
          error,
        );
      let sse: string | undefined;
      return {
        get classification() {
          return full();
        },
        problem,
        status: problem.status,
        headers: problem.headers,
        body,
        get sse() {
          sse ??= toServerSentEvent(body);
          return sse;
        },
        // Built on first read when nothing was logged: most unlogged records are never read.
        get log() {
          log ??= buildLogRecord(full(), logContext, settings);
          return log;
        },
      };
    } catch {
      // Last resort: the framework's own error handling still answers.
      return null;
    }
  };
}
