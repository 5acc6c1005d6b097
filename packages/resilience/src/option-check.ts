/**
 * The resilience helpers' options, checked once at creation like the handler's: a bad or unknown
 * option falls back to its default (each helper reads it that way) and is named in one
 * `four29.invalid_options` warning through the helper's logger.
 */
import { consoleLogger, type Four29Logger } from '@four29/core';
import { unknownOptions, warnInvalidOptions } from '@four29/core/internal';
import { isAbortSignal } from './internal.js';

/** What an option must be; `undefined` is always accepted. */
export type OptionRule =
  | { readonly type: 'number'; readonly min: number; readonly above?: boolean }
  | { readonly type: 'function' }
  | { readonly type: 'string' }
  | { readonly type: 'object' }
  | { readonly type: 'array' }
  | { readonly type: 'logger' }
  | { readonly type: 'signal' }
  | { readonly type: 'oneOf'; readonly values: readonly string[] };

function read(options: object, name: string): unknown {
  try {
    return (options as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

function problemWith(name: string, value: unknown, rule: OptionRule): string | undefined {
  switch (rule.type) {
    case 'number': {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (rule.above === true ? value > rule.min : value >= rule.min);
      return ok
        ? undefined
        : `${name}: expected a number ${rule.above === true ? '>' : '≥'} ${rule.min}; using the default`;
    }
    case 'function':
      return typeof value === 'function' ? undefined : `${name}: expected a function; ignored`;
    case 'string':
      return typeof value === 'string' && value.length > 0
        ? undefined
        : `${name}: expected a non-empty string; ignored`;
    case 'object':
      return typeof value === 'object' && value !== null
        ? undefined
        : `${name}: expected an object; ignored`;
    case 'array':
      return Array.isArray(value) ? undefined : `${name}: expected an array; using the default`;
    case 'logger':
      return value === false || typeof read(Object(value), 'warn') === 'function'
        ? undefined
        : `${name}: expected false or an object with warn(); using the console`;
    case 'signal':
      return isAbortSignal(value) ? undefined : `${name}: expected an AbortSignal; ignored`;
    case 'oneOf':
      return typeof value === 'string' && rule.values.includes(value)
        ? undefined
        : `${name}: expected ${rule.values.map((v) => `'${v}'`).join(' or ')}; using the default`;
  }
}

/** The logger an options object names: its `logger`, none for `false`, else the console. */
export function optionLogger(options: unknown): Pick<Four29Logger, 'warn'> | undefined {
  const logger =
    typeof options === 'object' && options !== null ? read(options, 'logger') : undefined;
  if (logger === false) return undefined;
  return typeof read(Object(logger), 'warn') === 'function'
    ? (logger as Pick<Four29Logger, 'warn'>)
    : consoleLogger;
}

/**
 * Checks `options` against `rules` once, warns once about every problem, and returns a plain copy
 * of the known options, read once, so a getter or Proxy cannot throw later. Never throws; the
 * caller still reads each option through its own fallback.
 */
export function checkOptions<T extends object>(
  who: string,
  options: unknown,
  rules: Readonly<Record<keyof T & string, OptionRule>>,
): Partial<T> {
  const copy: Record<string, unknown> = {};
  const logger = optionLogger(options);
  const problems: string[] = [];
  const report = (problem: string): void => {
    problems.push(problem);
  };
  if (typeof options !== 'object' || options === null) {
    if (options !== undefined) report('options: expected an object; using the defaults');
  } else {
    unknownOptions(options, new Set(Object.keys(rules)), report);
    for (const [name, rule] of Object.entries<OptionRule>(rules)) {
      const value = read(options, name);
      if (value === undefined) continue;
      copy[name] = value;
      const problem = problemWith(name, value, rule);
      if (problem !== undefined) report(problem);
    }
  }
  warnInvalidOptions(logger, `four29 ${who}`, problems);
  return copy as Partial<T>;
}
