/**
 * Property access that cannot throw. Thrown values can be anything: objects with throwing
 * getters, Proxies whose every trap throws, revoked Proxies. Every read of a foreign value in the
 * classifier goes through these.
 */

/** Longest string the classifier reads from any one place (message, body, header value). */
export const MAX_TEXT = 64 * 1024;

/** Longest text that regexes run over: provider messages are a few hundred characters. */
export const MAX_SCAN = 4096;

export function isObjectLike(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

export function get(obj: unknown, key: PropertyKey): unknown {
  if (!isObjectLike(obj)) return undefined;
  try {
    return (obj as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

export function hasOwn(obj: unknown, key: PropertyKey): boolean {
  if (!isObjectLike(obj)) return false;
  try {
    return Object.hasOwn(obj, key);
  } catch {
    return false;
  }
}

/** `obj[key]` when it is a plain (non-function) object, else undefined. */
export function getObject(obj: unknown, key: PropertyKey): object | undefined {
  const value = get(obj, key);
  return typeof value === 'object' && value !== null ? value : undefined;
}

/** A string cut to `max` characters, or undefined for anything that is not a non-empty string. */
export function bounded(value: unknown, max = MAX_TEXT): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  return value.length > max ? value.slice(0, max) : value;
}

export function getString(obj: unknown, key: PropertyKey, max = MAX_TEXT): string | undefined {
  return bounded(get(obj, key), max);
}

/** A finite number, or a string holding only a decimal number. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.length > 0 && value.length <= 32) {
    const s = value.trim();
    if (!/^-?\d+(?:\.\d+)?$/.test(s)) return undefined;
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A code that may be sent as a string or a number (Azure `"429"`, OpenRouter `429`). */
export function toCode(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const s = value.trim();
    return s.length > 0 && s.length <= 200 ? s : undefined;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return undefined;
}

export function isArray(value: unknown): value is readonly unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    // Array.isArray throws on a revoked Proxy.
    return false;
  }
}

/** The name of `obj`'s constructor (SDK error classes do not set `name`, but keep their class name). */
export function constructorName(obj: unknown): string | undefined {
  const ctor = get(obj, 'constructor');
  if (typeof ctor !== 'function') return undefined;
  return getString(ctor, 'name', 100);
}

export function isFunction(obj: unknown, key: PropertyKey): boolean {
  return typeof get(obj, key) === 'function';
}
