/**
 * Calls into a shared store, bounded: a store that is down, slow or lost its state costs a
 * request at most `timeoutMs`, after which the helper decides from its in-process state. Health
 * is kept per store object, so a breaker and a paced fetch sharing one store warn once per outage
 * together, and after a failure the store is left alone for `retryMs` (requests meanwhile decide
 * locally at once instead of each waiting out the timeout).
 */
import { consoleLogger, type Four29Logger } from '@four29/core';
import { numberOption, unrefTimer } from '@four29/core/internal';

export const FAILED: unique symbol = Symbol('four29.store-failed');

interface Health {
  down: boolean;
  retryAt: number;
}

const healthOf = /* @__PURE__ */ new WeakMap<object, Health>();

export interface StoreGuardOptions {
  readonly timeoutMs?: number | undefined;
  readonly logger?: Pick<Four29Logger, 'warn'> | false | undefined;
  readonly now: () => number;
  /** Which helper is calling, for the warning. */
  readonly helper: string;
}

export interface StoreGuard {
  /** Whether the store is worth asking now (not inside a back-off after a failure). */
  available(): boolean;
  /** The store's answer, or FAILED when it rejected, threw or did not answer in time. Never rejects. */
  call<T>(op: () => Promise<T>): Promise<T | typeof FAILED>;
}

const RETRY_MS = 1000;

export function createStoreGuard(store: object, options: StoreGuardOptions): StoreGuard {
  const timeoutMs = numberOption(options.timeoutMs, 50);
  const logger = options.logger === false ? undefined : (options.logger ?? consoleLogger);
  let health = healthOf.get(store);
  if (health === undefined) {
    health = { down: false, retryAt: 0 };
    healthOf.set(store, health);
  }
  const h = health;

  function fail(error: unknown): typeof FAILED {
    h.retryAt = options.now() + RETRY_MS;
    if (!h.down) {
      h.down = true;
      let reason = error === FAILED ? `no answer within ${timeoutMs} ms` : typeof error;
      try {
        // The error's name only: a client's message can quote the command and its arguments.
        const name: unknown = (error as { name?: unknown } | null)?.name;
        if (error !== FAILED && typeof name === 'string') reason = name.slice(0, 64);
      } catch {
        // A hostile error object: its type will do.
      }
      try {
        logger?.warn(
          { four29: 'store_unavailable', helper: options.helper, reason },
          'four29: shared store unavailable; deciding from in-process state until it answers again',
        );
      } catch {
        // A broken logger must not break the request.
      }
    }
    return FAILED;
  }

  return {
    available: () => !h.down || options.now() >= h.retryAt,
    call<T>(op: () => Promise<T>): Promise<T | typeof FAILED> {
      return new Promise<T | typeof FAILED>((resolve) => {
        let settled = false;
        const timer = setTimeout(() => {
          // On a busy event loop this timer runs late, before the turn reads the I/O that came
          // meanwhile: the store's answer may be waiting in the socket. One more turn lets it
          // through, so our own event-loop lag does not count as a store outage.
          unrefTimer(
            setTimeout(() => {
              if (settled) return;
              settled = true;
              resolve(fail(FAILED));
            }, 0),
          );
        }, timeoutMs);
        unrefTimer(timer);
        let pending: Promise<T>;
        try {
          pending = Promise.resolve(op());
        } catch (error) {
          clearTimeout(timer);
          resolve(fail(error));
          return;
        }
        pending.then(
          (value) => {
            if (settled) {
              // A late answer: the store is up, only slower than the timeout. Ask it again from
              // the next call instead of deciding locally for the whole back-off; it counts as
              // back (and warns again on the next outage) only once it answers in time.
              h.retryAt = 0;
              return;
            }
            settled = true;
            clearTimeout(timer);
            h.down = false;
            resolve(value);
          },
          (error: unknown) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(fail(error));
          },
        );
      });
    },
  };
}
