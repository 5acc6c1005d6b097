/**
 * Option and timer helpers shared by the handler, log suppression and four29's other packages
 * (through `@four29/core/internal`). Options come from config files and untyped callers, so each is
 * read once, at creation, through one of these.
 */

/**
 * Longest delay a timer can take: `setTimeout` fires at once (with a TimeoutOverflowWarning on
 * Node) for delays beyond 2^31 - 1 ms. Every delay and window a timer serves is clamped to it.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A finite number ≥ `min` from an option, else the fallback: options come from config files too. */
export function numberOption(value: unknown, fallback: number, min = 0): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min ? value : fallback;
}

/** An integer ≥ 1 from an option, else the fallback. */
export function countOption(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1
    ? Math.floor(value)
    : fallback;
}

/** The one clock: `now` when it is a finite epoch-ms number, else `Date.now()`. */
export function epochMs(now: unknown): number {
  return typeof now === 'number' && Number.isFinite(now) ? now : Date.now();
}

/** A clock option that cannot break the caller: a throwing or non-numeric clock falls back to `Date.now()`. */
export function clockOption(now: unknown): () => number {
  if (typeof now !== 'function') return Date.now;
  return () => {
    try {
      return epochMs(now());
    } catch {
      return Date.now();
    }
  };
}

/** `timer.unref()` where the runtime has it (Node, Bun, Deno), so a timer never keeps a process alive. */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null) {
    const unref = (timer as { unref?: unknown }).unref;
    if (typeof unref === 'function') unref.call(timer);
  }
}
