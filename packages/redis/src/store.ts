import type {
  BreakerEntry,
  BreakerRecord,
  BreakerTrip,
  PaceDecision,
  PaceReport,
  PaceRequest,
  ResilienceStore,
} from '@four29/resilience';
import { commandSender, isNoScript, type RedisClientLike, type SendCommand } from './client.js';
import {
  BREAKER_ENTER,
  BREAKER_FIELDS,
  BREAKER_RESET,
  BREAKER_SETTLE,
  BREAKER_TRIP,
  PACE_ACQUIRE,
  PACE_RELEASE,
} from './scripts.js';

export interface RedisStoreOptions {
  /** A connected node-redis v5 client, or an ioredis / iovalkey client (`Redis` or `Cluster`). */
  readonly client?: RedisClientLike | undefined;
  /** Or any client: one function that sends a command and resolves its reply. */
  readonly sendCommand?: SendCommand | undefined;
  /** Prefix of every key. Default `four29:`. */
  readonly prefix?: string | undefined;
  /**
   * Least TTL of a pacing key, ms: how long configured budgets and the send serial outlive the
   * last request. Default 120 s (a spent minute budget is whole again after 60 s).
   */
  readonly minTtlMs?: number | undefined;
}

/** The shared store for `createQuotaBreaker({ store })` and `createPacedFetch({ store })`. */
export interface RedisStore extends ResilienceStore {
  /** The key a breaker or pacing id is kept under (for operators and tests). */
  keyOf(kind: 'breaker' | 'pace' | 'inflight' | 'peers', id: string): string;
}

interface Script {
  readonly source: string;
  sha: Promise<string> | undefined;
}

function script(source: string): Script {
  return { source, sha: undefined };
}

async function sha1(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text)),
  );
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Redis keys are binary-safe; only the braces of a hash tag must not appear inside the id. */
function escapeId(id: string): string {
  return id.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function int(value: number): string {
  return String(Math.max(0, Math.ceil(value)));
}

function str(reply: unknown): string | undefined {
  if (typeof reply === 'string') return reply;
  // node-redis returns bulk strings as strings; with `RESP3`/buffers they may be Uint8Array.
  if (reply instanceof Uint8Array) return new TextDecoder().decode(reply);
  return undefined;
}

function num(reply: unknown): number | undefined {
  const n = typeof reply === 'number' ? reply : Number(str(reply));
  return Number.isFinite(n) ? n : undefined;
}

function tripOf(k: unknown, p: unknown, s: unknown, c: unknown): BreakerTrip {
  const code = str(c);
  return {
    kind: (str(k) ?? 'upstream_error') as BreakerTrip['kind'],
    provider: str(p) ?? 'unknown',
    upstreamStatus: num(s),
    upstreamCode: code !== undefined && code.length > 0 ? code : undefined,
  };
}

function recordOf(fields: readonly unknown[], now: number, leaseMs: number) {
  const [g, k, p, s, c, u, , t, h, r] = fields;
  const gen = str(g);
  if (gen === undefined) return undefined;
  const record: BreakerRecord = {
    gen,
    trip: tripOf(k, p, s, c),
    openUntil: num(u) ?? 0,
    probing: str(h) === '1' && now - (num(t) ?? 0) < leaseMs,
    rejected: num(r) ?? 0,
  };
  return record;
}

/**
 * A store on Redis 6.2+ or Valkey for `@four29/resilience`. Every decision is one `EVALSHA` of a
 * Lua script (`EVAL` when the server answers `NOSCRIPT`, after a restart or `SCRIPT FLUSH`). One
 * id's keys share the hash tag `{id}`, so they live in one Cluster slot. Ids carry a digest of the
 * API key, never the key. The store does not time out itself: the helpers bound each call by
 * their `storeTimeoutMs` and decide in-process while Redis is away.
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const send =
    typeof options.sendCommand === 'function' ? options.sendCommand : commandSender(options.client);
  if (send === undefined) {
    throw new TypeError(
      'createRedisStore: pass `client` (node-redis, ioredis, iovalkey) or a `sendCommand` function',
    );
  }
  const prefix = typeof options.prefix === 'string' ? options.prefix : 'four29:';
  const minTtlMs =
    typeof options.minTtlMs === 'number' &&
    Number.isFinite(options.minTtlMs) &&
    options.minTtlMs >= 1
      ? options.minTtlMs
      : 120_000;
  const scripts = {
    enter: script(BREAKER_ENTER),
    trip: script(BREAKER_TRIP),
    settle: script(BREAKER_SETTLE),
    reset: script(BREAKER_RESET),
    acquire: script(PACE_ACQUIRE),
    release: script(PACE_RELEASE),
  };

  function keyOf(kind: 'breaker' | 'pace' | 'inflight' | 'peers', id: string): string {
    return `${prefix}{${escapeId(id)}}:${kind}`;
  }

  async function run(s: Script, keys: readonly string[], args: readonly string[]) {
    if (s.sha === undefined) {
      s.sha = sha1(s.source);
      // A failed digest is retried on the next call rather than cached.
      s.sha.catch(() => {
        s.sha = undefined;
      });
    }
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await (send as SendCommand)(['EVALSHA', await s.sha, ...tail]);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      // EVAL also caches the script on the server, so the next EVALSHA finds it.
      return (send as SendCommand)(['EVAL', s.source, ...tail]);
    }
  }

  return {
    keyOf,

    async breakerEnter(id, now, leaseMs): Promise<BreakerEntry> {
      const reply = await run(
        scripts.enter,
        [keyOf('breaker', id)],
        [int(now), int(leaseMs), int(leaseMs * 2)],
      );
      const r = Array.isArray(reply) ? reply : [];
      const action = str(r[0]);
      const gen = str(r[1]);
      if (action === 'go' || gen === undefined) return { action: 'go' };
      const trip = tripOf(r[2], r[3], r[4], r[5]);
      if (action === 'probe') return { action: 'probe', gen, trip, probe: num(r[6]) ?? 0 };
      return { action: 'reject', gen, trip };
    },

    async breakerTrip(id, gen, trip, now, cooldownMs) {
      await run(
        scripts.trip,
        [keyOf('breaker', id)],
        [
          gen,
          trip.kind,
          trip.provider,
          trip.upstreamStatus !== undefined ? String(trip.upstreamStatus) : '',
          trip.upstreamCode ?? '',
          int(now + cooldownMs),
          // Open for the cool-down, then half-open for as long again; then forgotten (closed).
          int(Math.max(1, cooldownMs * 2)),
        ],
      );
    },

    async breakerSettle(id, gen, probe, outcome) {
      const reply = await run(
        scripts.settle,
        [keyOf('breaker', id)],
        [gen, String(probe), outcome],
      );
      return num(reply) === 1;
    },

    async breakerReset(id) {
      const reply = await run(scripts.reset, [keyOf('breaker', id)], []);
      return Array.isArray(reply) ? recordOf(reply, Date.now(), 0) : undefined;
    },

    async breakerRead(id, now, leaseMs) {
      const reply = await send(['HMGET', keyOf('breaker', id), ...BREAKER_FIELDS]);
      return Array.isArray(reply) ? recordOf(reply, now, leaseMs) : undefined;
    },

    async paceAcquire(id, now, request: PaceRequest): Promise<PaceDecision> {
      const member = `${int(request.tokens)}|${request.reservation}`;
      const reply = await run(
        scripts.acquire,
        [keyOf('pace', id), keyOf('inflight', id), keyOf('peers', id)],
        [
          int(now),
          int(request.tokens),
          request.requestsPerMinute !== undefined ? String(request.requestsPerMinute) : '',
          request.tokensPerMinute !== undefined ? String(request.tokensPerMinute) : '',
          int(request.leaseMs),
          member,
          int(Math.max(minTtlMs, request.leaseMs)),
          request.instance ?? '',
        ],
      );
      const r = Array.isArray(reply) ? reply : [];
      const value = num(r[1]) ?? -1;
      const count = num(r[2]);
      const peers = count !== undefined && count > 0 ? count : undefined;
      if (num(r[0]) === 1) return { go: true, seq: value, peers };
      return { go: false, waitMs: value >= 0 ? value : undefined, peers };
    },

    async paceRelease(id, now, reservation, report: PaceReport | undefined) {
      const budgets = report?.budgets ?? [];
      const args = [
        int(now),
        reservation,
        String(report?.seq ?? 0),
        report?.blockedUntil !== undefined ? int(report.blockedUntil) : '',
        int(minTtlMs),
        String(budgets.length),
      ];
      for (const b of budgets) {
        args.push(
          b.name,
          String(b.remaining),
          b.limit !== undefined ? String(b.limit) : '',
          b.resetAt !== undefined ? int(b.resetAt) : '',
          b.countsRequests ? '1' : '0',
        );
      }
      await run(scripts.release, [keyOf('pace', id), keyOf('inflight', id)], args);
    },
  };
}
