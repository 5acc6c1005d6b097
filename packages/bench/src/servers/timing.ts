/**
 * Time spent in four29's handler inside a server under load, for the `four29-timed` variant. The
 * microbenchmark calls the handler in a tight loop, where its code and data stay in the CPU's
 * caches; in a server every call follows the HTTP stack's own work, which is what users pay.
 */
export interface HandlerTiming {
  readonly type: 'timing';
  /** Mean microseconds per handler call since the last reset. */
  readonly micros: number;
  readonly calls: number;
}

export interface TimingRequest {
  readonly type: 'timing';
  /** Start counting afresh after answering (after the warm-up). */
  readonly reset: boolean;
}

let totalMs = 0;
let calls = 0;

/** Runs `fn` and adds its wall time to the running total. */
export function timed<T>(fn: () => T): T {
  const start = performance.now();
  try {
    return fn();
  } finally {
    totalMs += performance.now() - start;
    calls++;
  }
}

export function takeTiming(reset: boolean): HandlerTiming {
  const out: HandlerTiming = {
    type: 'timing',
    micros: calls > 0 ? (totalMs * 1000) / calls : Number.NaN,
    calls,
  };
  if (reset) {
    totalMs = 0;
    calls = 0;
  }
  return out;
}

export function isTimingRequest(value: unknown): value is TimingRequest {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'timing' &&
    typeof (value as { reset?: unknown }).reset === 'boolean'
  );
}
