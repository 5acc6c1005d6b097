/**
 * `createMemoryStore()`: the store interface kept in this process's memory. Several breakers or
 * paced fetches in one process that share it share their state the way instances sharing Redis
 * do (several workers of one process, tests, the demo). The same decisions as `@four29/redis`'s
 * Lua scripts, in the same order, so a test against one holds for the other.
 */
import {
  type BreakerEntry,
  type BreakerRecord,
  type BreakerStore,
  type BreakerTrip,
  newerReport,
  type PaceDecision,
  type PaceReport,
  type PaceRequest,
  type PacingStore,
  type ResilienceStore,
} from './store.js';

interface BreakerState {
  gen: string;
  trip: BreakerTrip;
  openUntil: number;
  probe: number;
  probeStartedAt: number;
  probing: boolean;
  rejected: number;
  expiresAt: number;
}

interface Announced {
  remaining: number;
  limit: number | undefined;
  resetAt: number | undefined;
  countsRequests: boolean;
  seq: number;
}

interface PaceState {
  readonly budgets: Map<string, Announced>;
  blockedUntil: number;
  requestLevel: number | undefined;
  tokenLevel: number | undefined;
  levelAt: number | undefined;
  seq: number;
  /** Reservation → its tokens and when its lease ends. */
  readonly inFlight: Map<string, { tokens: number; until: number }>;
  /** Instance id → until when it counts as a peer, oldest ask first. */
  readonly peers: Map<string, number>;
  expiresAt: number;
}

const MINUTE_MS = 60_000;
const EPSILON = 1e-9;
const MAX_BUDGETS = 32;
/** Beyond this many instances, a share would round to nothing anyway. */
const MAX_PEERS = 1000;

export interface MemoryStoreOptions {
  /** Ids kept at most per kind (breakers, pacing); the oldest is forgotten first. Default 10000. */
  readonly maxEntries?: number | undefined;
  /** Least lifetime of idle pacing state, ms (as `minTtlMs` of the Redis store). Default 120 s. */
  readonly minTtlMs?: number | undefined;
}

function available(b: Announced, now: number): number {
  if (b.resetAt !== undefined && now >= b.resetAt) return b.limit ?? Number.POSITIVE_INFINITY;
  return b.remaining;
}

function bounded<V extends { expiresAt: number }>(map: Map<string, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done === true) break;
    map.delete(oldest.value);
  }
}

export function createMemoryStore(options: MemoryStoreOptions = {}): ResilienceStore {
  const maxEntries =
    typeof options.maxEntries === 'number' && options.maxEntries >= 1 ? options.maxEntries : 10_000;
  const minTtlMs =
    typeof options.minTtlMs === 'number' && options.minTtlMs >= 1 ? options.minTtlMs : 120_000;
  const breakers = new Map<string, BreakerState>();
  const paces = new Map<string, PaceState>();

  // TTLs are wall-clock, like Redis's, whatever clock the helpers pass as `now`.
  function live<V extends { expiresAt: number }>(map: Map<string, V>, id: string): V | undefined {
    const v = map.get(id);
    if (v !== undefined && Date.now() >= v.expiresAt) {
      map.delete(id);
      return undefined;
    }
    return v;
  }

  function record(b: BreakerState, now: number, leaseMs: number): BreakerRecord {
    return {
      gen: b.gen,
      trip: b.trip,
      openUntil: b.openUntil,
      probing: b.probing && now - b.probeStartedAt < leaseMs,
      rejected: b.rejected,
    };
  }

  const breaker: BreakerStore = {
    async breakerEnter(id, now, leaseMs): Promise<BreakerEntry> {
      const b = live(breakers, id);
      if (b === undefined) return { action: 'go' };
      if (now < b.openUntil || (b.probing && now - b.probeStartedAt < leaseMs)) {
        b.rejected++;
        return { action: 'reject', gen: b.gen, trip: b.trip };
      }
      b.probe++;
      b.probeStartedAt = now;
      b.probing = true;
      b.expiresAt = Date.now() + leaseMs * 2;
      return { action: 'probe', gen: b.gen, trip: b.trip, probe: b.probe };
    },
    async breakerTrip(id, gen, trip, now, cooldownMs) {
      breakers.delete(id);
      breakers.set(id, {
        gen,
        trip,
        openUntil: now + cooldownMs,
        probe: 0,
        probeStartedAt: 0,
        probing: false,
        rejected: 0,
        expiresAt: Date.now() + Math.max(1, cooldownMs * 2),
      });
      bounded(breakers, maxEntries);
    },
    async breakerSettle(id, gen, probe, outcome) {
      const b = live(breakers, id);
      if (b === undefined || b.gen !== gen) return false;
      if (outcome === 'close') {
        breakers.delete(id);
        return true;
      }
      if (b.probe === probe) b.probing = false;
      return false;
    },
    async breakerReset(id) {
      const b = live(breakers, id);
      if (b === undefined) return undefined;
      breakers.delete(id);
      return record(b, Date.now(), 0);
    },
    async breakerRead(id, now, leaseMs) {
      const b = live(breakers, id);
      return b !== undefined ? record(b, now, leaseMs) : undefined;
    },
  };

  const pacing: PacingStore = {
    async paceAcquire(id, now, request: PaceRequest): Promise<PaceDecision> {
      let p = live(paces, id);
      if (p === undefined) {
        p = {
          budgets: new Map(),
          blockedUntil: 0,
          requestLevel: undefined,
          tokenLevel: undefined,
          levelAt: undefined,
          seq: 0,
          inFlight: new Map(),
          peers: new Map(),
          expiresAt: 0,
        };
      }
      let peers: number | undefined;
      if (request.instance !== undefined) {
        p.peers.delete(request.instance);
        p.peers.set(request.instance, now + request.leaseMs);
        // Oldest first (re-inserted on every ask): drop the lapsed ones from the front.
        for (const [instance, until] of p.peers) {
          if (until > now && p.peers.size <= MAX_PEERS) break;
          p.peers.delete(instance);
        }
        peers = p.peers.size;
        // Kept even when this call is held, so the count covers instances that only wait.
        p.expiresAt = Math.max(p.expiresAt, Date.now() + request.leaseMs);
        paces.delete(id);
        paces.set(id, p);
        bounded(paces, maxEntries);
      }
      let inRequests = 0;
      let inTokens = 0;
      for (const [member, r] of p.inFlight) {
        if (r.until <= now) p.inFlight.delete(member);
        else {
          inRequests++;
          inTokens += r.tokens;
        }
      }
      const tokens = Math.max(0, Math.ceil(request.tokens));
      let wait = p.blockedUntil > now ? p.blockedUntil - now : 0;
      let answers = false;
      for (const b of p.budgets.values()) {
        const need = b.countsRequests ? inRequests + 1 : inTokens + Math.max(tokens, 1);
        if (available(b, now) + EPSILON >= need) continue;
        if (
          b.resetAt !== undefined &&
          now < b.resetAt &&
          (b.limit === undefined || b.limit + EPSILON >= need)
        ) {
          wait = Math.max(wait, b.resetAt - now);
        } else if (inRequests > 0) {
          answers = true;
        }
      }
      const elapsed = Math.max(0, now - (p.levelAt ?? now));
      const rpm = request.requestsPerMinute;
      const tpm = request.tokensPerMinute;
      let rq: number | undefined;
      let tk: number | undefined;
      if (rpm !== undefined) {
        rq = Math.min(rpm, (p.requestLevel ?? rpm) + (rpm * elapsed) / MINUTE_MS);
        if (rq + EPSILON < 1) wait = Math.max(wait, Math.ceil(((1 - rq) * MINUTE_MS) / rpm));
      }
      if (tpm !== undefined) {
        tk = Math.min(tpm, (p.tokenLevel ?? tpm) + (tpm * elapsed) / MINUTE_MS);
        const need = Math.min(tokens, tpm);
        if (tokens > 0 && tk + EPSILON < need) {
          wait = Math.max(wait, Math.ceil(((need - tk) * MINUTE_MS) / tpm));
        }
      }
      if (wait > 0) return { go: false, waitMs: Math.ceil(wait), peers };
      if (answers) return { go: false, waitMs: undefined, peers };
      if (rq !== undefined) p.requestLevel = rq - 1;
      if (tk !== undefined && tpm !== undefined) p.tokenLevel = tk - Math.min(tokens, tpm);
      if (rpm !== undefined || tpm !== undefined) p.levelAt = now;
      p.seq++;
      p.inFlight.set(request.reservation, { tokens, until: now + request.leaseMs });
      p.expiresAt = Math.max(p.expiresAt, Date.now() + Math.max(minTtlMs, request.leaseMs));
      paces.delete(id);
      paces.set(id, p);
      bounded(paces, maxEntries);
      return { go: true, seq: p.seq, peers };
    },
    async paceRelease(id, now, reservation, report: PaceReport | undefined) {
      const p = live(paces, id);
      if (p === undefined) return;
      p.inFlight.delete(reservation);
      if (report === undefined) return;
      let horizon = minTtlMs;
      if (report.blockedUntil !== undefined) {
        p.blockedUntil = Math.max(p.blockedUntil, report.blockedUntil);
        horizon = Math.max(horizon, report.blockedUntil - now);
      }
      for (const o of report.budgets) {
        const next: Announced = {
          remaining: o.remaining,
          limit: o.limit,
          resetAt: o.resetAt,
          countsRequests: o.countsRequests,
          seq: report.seq,
        };
        const current = p.budgets.get(o.name);
        if (current === undefined) {
          if (p.budgets.size < MAX_BUDGETS) p.budgets.set(o.name, next);
        } else {
          p.budgets.set(
            o.name,
            newerReport(current, next, true, () => available(next, now) < available(current, now)),
          );
        }
        if (o.resetAt !== undefined) horizon = Math.max(horizon, o.resetAt - now);
      }
      p.expiresAt = Math.max(p.expiresAt, Date.now() + horizon);
    },
  };

  return { ...breaker, ...pacing };
}
