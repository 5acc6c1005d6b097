/**
 * `Four29Options`, checked once, when a handler is created: options come from config files and
 * untyped callers too. A bad option falls back to its default and is named in one warning through
 * the logger, so a typo does not silently change how errors are answered.
 */
import { get, isObjectLike } from './classify/safe.js';
import { consoleLogger, emitLog, type LogSettings, redactionSettings } from './log.js';
import { createLogSuppression, type LogSuppression } from './log-suppression.js';
import { clockOption } from './options.js';
import { type ProblemSettings, resolvePolicy } from './problem.js';
import type {
  Classification,
  Four29Logger,
  HandledErrorEvent,
  LogSuppressionOptions,
  ProviderId,
  StatusPolicyOption,
} from './types.js';

export interface HandlerSettings extends ProblemSettings, LogSettings {
  /** Undefined with `logger: false`. */
  readonly log: LogSuppression | undefined;
  readonly now: () => number;
  readonly provider: ProviderId | undefined;
  readonly shouldHandle: ((c: Classification, error: unknown) => boolean) | undefined;
  readonly onHandled: ((event: HandledErrorEvent) => void) | undefined;
}

const KNOWN = new Set<string>([
  'policy',
  'logger',
  'redaction',
  'problemTypeBase',
  'provider',
  'shouldHandle',
  'onHandled',
  'logSuppression',
  'now',
]);

function isLogger(value: unknown): value is Four29Logger {
  return typeof get(value, 'warn') === 'function' && typeof get(value, 'error') === 'function';
}

function optionalFunction<T>(
  options: unknown,
  name: string,
  report: (problem: string) => void,
): T | undefined {
  const value = get(options, name);
  if (value === undefined || typeof value === 'function') return value as T | undefined;
  report(`${name}: expected a function; ignored`);
  return undefined;
}

function checkSuppression(value: unknown, report: (problem: string) => void): void {
  if (value === undefined || value === false) return;
  if (!isObjectLike(value)) {
    report('logSuppression: expected false or { windowMs, maxKeys }; using the defaults');
    return;
  }
  for (const [name, min] of [
    ['windowMs', 1],
    ['maxKeys', 1],
  ] as const) {
    const n = get(value, name);
    if (n !== undefined && !(typeof n === 'number' && Number.isFinite(n) && n >= min))
      report(`logSuppression.${name}: expected a number ≥ ${min}; using the default`);
  }
}

/** Reads and checks every option once; never throws. */
export function handlerSettings(input: unknown): HandlerSettings {
  const problems: string[] = [];
  const report = (problem: string): void => {
    problems.push(problem);
  };
  const options = input ?? {};
  if (!isObjectLike(options)) report('options: expected an object; using the defaults');
  else unknownOptions(options, KNOWN, report);

  const loggerOption = get(options, 'logger');
  let logger: Four29Logger | undefined = consoleLogger;
  if (loggerOption === false) logger = undefined;
  else if (loggerOption !== undefined) {
    if (isLogger(loggerOption)) logger = loggerOption;
    else report('logger: expected false or an object with warn() and error(); using the console');
  }
  const now = get(options, 'now');
  if (now !== undefined && typeof now !== 'function')
    report('now: expected a function returning epoch ms; using Date.now');
  const provider = get(options, 'provider');
  if (provider !== undefined && !(typeof provider === 'string' && provider.length > 0))
    report('provider: expected a provider id string; ignored');
  const typeBase = get(options, 'problemTypeBase');
  if (typeBase !== undefined && !(typeof typeBase === 'string' && typeBase.length > 0))
    report('problemTypeBase: expected a non-empty string; using the default');
  const suppression = get(options, 'logSuppression');
  checkSuppression(suppression, report);

  const settings: HandlerSettings = {
    policy: resolvePolicy(get(options, 'policy') as StatusPolicyOption | undefined, report),
    typeBase: typeof typeBase === 'string' && typeBase.length > 0 ? typeBase : undefined,
    redaction: redactionSettings(get(options, 'redaction'), report),
    log:
      logger === undefined
        ? undefined
        : createLogSuppression(
            logger,
            suppression === false
              ? false
              : ({
                  windowMs: get(suppression, 'windowMs'),
                  maxKeys: get(suppression, 'maxKeys'),
                } as LogSuppressionOptions),
            now as (() => number) | undefined,
          ),
    now: clockOption(now),
    provider: typeof provider === 'string' && provider.length > 0 ? provider : undefined,
    shouldHandle: optionalFunction(options, 'shouldHandle', report),
    onHandled: optionalFunction(options, 'onHandled', report),
  };
  warnInvalidOptions(logger, 'four29', problems);
  return settings;
}

/**
 * The one `four29.invalid_options` warning for every problem found while reading one set of
 * options; nothing when there are none. `who` prefixes the message (`four29`, `four29 withRetry`).
 */
export function warnInvalidOptions(
  logger: Pick<Four29Logger, 'warn'> | undefined,
  who: string,
  problems: readonly string[],
): void {
  if (problems.length === 0 || logger === undefined) return;
  emitLog(
    logger as Four29Logger,
    'warn',
    { event: 'four29.invalid_options', problems },
    `${who}: ${problems.length === 1 ? 'an option was' : `${problems.length} options were`} not understood and fell back to defaults: ${problems.join('; ')}`,
  );
}

/** Names of `options` not in `known`, each as a problem; nothing for a Proxy without ownKeys. */
export function unknownOptions(
  options: unknown,
  known: ReadonlySet<string>,
  report: (problem: string) => void,
): void {
  if (!isObjectLike(options)) return;
  try {
    for (const name of Object.keys(options))
      if (!known.has(name)) report(`${name}: not a four29 option; ignored`);
  } catch {
    // A Proxy without ownKeys: its known options are still read one by one.
  }
}
