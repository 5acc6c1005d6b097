import { emitLog } from './log.js';
import { clockOption, countOption, MAX_TIMER_MS, numberOption, unrefTimer } from './options.js';
import type { Four29Logger, LogLevel, LogSuppressionOptions, SuppressionKey } from './types.js';

export const DEFAULT_LOG_SUPPRESSION_WINDOW_MS = 60_000;

/** The record emitted when a window closes with repeats in it. */
export interface SuppressedLogSummary extends Record<string, unknown> {
  readonly event: 'four29.upstream_error.suppressed';
  readonly kind: string;
  readonly provider: string;
  readonly upstream: { readonly status?: number; readonly code?: string };
  /** Identical events not logged in this window (the first one was logged). */
  readonly suppressed: number;
  readonly windowMs: number;
  /** When the window opened with the logged event, ISO 8601. */
  readonly since: string;
}

interface Window {
  readonly level: LogLevel;
  readonly kind: string;
  readonly provider: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly start: number;
  count: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function field(obj: Record<string, unknown>, name: string): unknown {
  try {
    return obj[name];
  } catch {
    return undefined;
  }
}

function short(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 100) : undefined;
}

/**
 * Wraps a logger so that a storm of identical upstream errors (same kind, provider, upstream status
 * and code) logs the first one, counts the rest for `windowMs`, and then logs one summary with the
 * count. The summary is emitted by an unref'd timer when the window closes (it never keeps a process
 * alive), or earlier if the next event of that kind arrives after the window, or when the key is
 * evicted to keep memory bounded. Records that are not four29 upstream-error records pass through.
 */
export function withLogSuppression(
  logger: Four29Logger,
  options?: LogSuppressionOptions | false,
  now?: () => number,
): Four29Logger {
  return createLogSuppression(logger, options, now).logger;
}

export interface LogSuppression {
  readonly logger: Four29Logger;
  /**
   * Counts one more event with this key if its window is open, and says so: then there is no
   * record to build, since it would only be counted. False means "log it through `logger`", which
   * opens the window. Lets the handler skip building records in a storm.
   */
  countRepeat(key: SuppressionKey): boolean;
}

function keyString(k: SuppressionKey): string {
  const kind = k.kind.slice(0, 100);
  const provider = k.provider.slice(0, 100);
  const code = k.code?.slice(0, 100);
  return `${k.level}\u0000${kind}\u0000${provider}\u0000${k.status ?? ''}\u0000${code ?? ''}`;
}

/** {@link withLogSuppression}, plus the check the handler makes before building a record. */
export function createLogSuppression(
  logger: Four29Logger,
  options?: LogSuppressionOptions | false,
  now?: () => number,
): LogSuppression {
  if (options === false) return { logger, countRepeat: () => false };
  // A window longer than a timer can wait would close at once instead (about 24.8 days at most).
  const windowMs = Math.min(
    numberOption(options?.windowMs, DEFAULT_LOG_SUPPRESSION_WINDOW_MS, 1),
    MAX_TIMER_MS,
  );
  const maxKeys = countOption(options?.maxKeys, 1000);
  const clock = clockOption(now);
  const windows = new Map<string, Window>();

  const emit = (level: LogLevel, obj: Record<string, unknown>, msg: string | undefined): void =>
    emitLog(logger, level, obj, msg);

  function close(key: string, w: Window): void {
    if (windows.get(key) === w) windows.delete(key);
    if (w.timer !== undefined) clearTimeout(w.timer);
    w.timer = undefined;
    if (w.count === 0) return;
    const upstream: { status?: number; code?: string } = {};
    if (w.status !== undefined) upstream.status = w.status;
    if (w.code !== undefined) upstream.code = w.code;
    const summary: SuppressedLogSummary = {
      event: 'four29.upstream_error.suppressed',
      kind: w.kind,
      provider: w.provider,
      upstream,
      suppressed: w.count,
      windowMs,
      since: new Date(w.start).toISOString(),
    };
    const what = `${w.provider} ${w.status ?? 'no response'}${w.code !== undefined ? ` (${w.code})` : ''}`;
    emit(
      w.level,
      summary,
      `upstream ${w.kind}: ${w.count} more like the last from ${what} in ${Math.round(windowMs / 1000)}s, not logged one by one`,
    );
  }

  /** Counts a repeat into `open` when it is still open at `t`. */
  function counted(key: string, open: Window, t: number): boolean {
    if (!(t - open.start < windowMs && t >= open.start)) return false;
    open.count++;
    if (open.timer === undefined) {
      // Only windows with repeats need a timer: that bounds timers by maxKeys and by storms.
      open.timer = setTimeout(
        () => close(key, open),
        Math.min(MAX_TIMER_MS, Math.max(0, open.start + windowMs - t)),
      );
      unrefTimer(open.timer);
    }
    return true;
  }

  function countRepeat(k: SuppressionKey): boolean {
    const key = keyString(k);
    const open = windows.get(key);
    return open !== undefined && counted(key, open, clock());
  }

  function handle(level: LogLevel, obj: Record<string, unknown>, msg: string | undefined): void {
    if (
      typeof obj !== 'object' ||
      obj === null ||
      field(obj, 'event') !== 'four29.upstream_error'
    ) {
      emit(level, obj, msg);
      return;
    }
    const kind = short(field(obj, 'kind')) ?? '';
    const provider = short(field(obj, 'provider')) ?? '';
    const upstream = field(obj, 'upstream');
    const u =
      typeof upstream === 'object' && upstream !== null
        ? (upstream as Record<string, unknown>)
        : {};
    const rawStatus = field(u, 'status');
    const status = typeof rawStatus === 'number' ? rawStatus : undefined;
    const code = short(field(u, 'code'));
    const key = keyString({ level, kind, provider, status, code });
    const t = clock();
    const open = windows.get(key);
    if (open !== undefined) {
      if (counted(key, open, t)) return;
      close(key, open);
    }
    emit(level, obj, msg);
    windows.set(key, { level, kind, provider, status, code, start: t, count: 0, timer: undefined });
    while (windows.size > maxKeys) {
      const oldest = windows.entries().next();
      if (oldest.done === true) break;
      close(oldest.value[0], oldest.value[1]);
    }
  }

  return {
    logger: {
      warn: (obj, msg) => handle('warn', obj, msg),
      error: (obj, msg) => handle('error', obj, msg),
    },
    countRepeat,
  };
}
