/** Helpers shared by the resilience modules. Not exported from the package. */

export function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { addEventListener?: unknown }).addEventListener === 'function' &&
    typeof (value as { aborted?: unknown }).aborted === 'boolean'
  );
}

/** What fetch rejects with on abort: the signal's reason, or an `AbortError` when it has none. */
export function abortReason(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  return reason !== undefined
    ? reason
    : new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Calls a user hook. A hook that throws, or returns a promise that rejects, must not change what
 * the helper does: observability code is the last thing that should break a request.
 */
export function callHook<A>(hook: ((arg: A) => unknown) | undefined, arg: A): void {
  if (typeof hook !== 'function') return;
  try {
    const result: unknown = hook(arg);
    if (
      typeof result === 'object' &&
      result !== null &&
      typeof (result as { then?: unknown }).then === 'function'
    ) {
      (result as PromiseLike<unknown>).then(undefined, () => {});
    }
  } catch {
    // Ignored on purpose, see above.
  }
}

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. The timer and the
 * listener are always removed, so a long-lived signal does not collect listeners.
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const encoder = /* @__PURE__ */ new TextEncoder();

/**
 * A short digest of an API key, so state can be kept per key without keeping the key: a heap dump
 * or a `state()` call must not reveal it. SHA-256 where WebCrypto exists (every supported runtime
 * except Node 18 without `--experimental-global-webcrypto`); there, a 64-bit FNV-1a pair instead.
 * The fallback is not collision-resistant, which only matters if one tenant could choose a key that
 * collides with another's; the digest never leaves the process either way.
 */
export async function hashKey(key: string): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (subtle !== undefined && typeof subtle.digest === 'function') {
    try {
      const digest = new Uint8Array(await subtle.digest('SHA-256', encoder.encode(key)));
      let hex = '';
      for (let i = 0; i < 16; i++) hex += (digest[i] ?? 0).toString(16).padStart(2, '0');
      return hex;
    } catch {
      // Fall through to the portable hash.
    }
  }
  return `fnv:${fnv1a(key, 0x811c9dc5)}${fnv1a(key, 0x01000193)}`;
}

function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
