import { SAME_WINDOW_MS } from '@four29/resilience';

/**
 * The Lua scripts: each decision of the breaker and the paced fetch is one script, so it is atomic
 * across every instance sharing the server. Times are epoch ms from the calling instance's clock
 * (instances of one service are assumed NTP-synced; a skew of a few ms only shifts a reset).
 * Every script that writes a key sets its TTL in the same call.
 */

/**
 * Breaker hash fields: g generation (one per trip), k kind, p provider, s upstream status,
 * c upstream code, u open until, n probe serial, t probe start, h probing (0/1), r rejected.
 * ARGV: now, lease, ttl.
 */
export const BREAKER_ENTER = `
local f = redis.call('HMGET', KEYS[1], 'g', 'k', 'p', 's', 'c', 'u', 'n', 't', 'h')
if not f[1] then return {'go'} end
local now = tonumber(ARGV[1])
local u = tonumber(f[6]) or 0
local t = tonumber(f[8]) or 0
if now < u or (f[9] == '1' and now - t < tonumber(ARGV[2])) then
  redis.call('HINCRBY', KEYS[1], 'r', 1)
  return {'reject', f[1], f[2], f[3], f[4] or '', f[5] or ''}
end
local n = (tonumber(f[7]) or 0) + 1
redis.call('HSET', KEYS[1], 'n', n, 't', ARGV[1], 'h', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {'probe', f[1], f[2], f[3], f[4] or '', f[5] or '', n}
`;

/** ARGV: gen, kind, provider, status, code, open until, ttl. */
export const BREAKER_TRIP = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'g', ARGV[1], 'k', ARGV[2], 'p', ARGV[3], 's', ARGV[4], 'c', ARGV[5],
  'u', ARGV[6], 'n', 0, 't', 0, 'h', 0, 'r', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return 1
`;

/** ARGV: gen, probe, 'close' | 'release'. Returns 1 when it closed the breaker. */
export const BREAKER_SETTLE = `
if redis.call('HGET', KEYS[1], 'g') ~= ARGV[1] then return 0 end
if ARGV[3] == 'close' then
  redis.call('DEL', KEYS[1])
  return 1
end
if redis.call('HGET', KEYS[1], 'n') == ARGV[2] then redis.call('HSET', KEYS[1], 'h', 0) end
return 0
`;

/** Returns the record it deleted (the fields of BREAKER_READ), or an empty array. */
export const BREAKER_RESET = `
local f = redis.call('HMGET', KEYS[1], 'g', 'k', 'p', 's', 'c', 'u', 'n', 't', 'h', 'r')
if not f[1] then return {} end
redis.call('DEL', KEYS[1])
return f
`;

/** The fields BREAKER_RESET returns and a plain HMGET reads, in this order. */
export const BREAKER_FIELDS = ['g', 'k', 'p', 's', 'c', 'u', 'n', 't', 'h', 'r'] as const;

/**
 * Pacing state. KEYS[1] hash: a:<name> announced budget "remaining|limit|resetAt|countsRequests|seq",
 * x blocked until (Retry-After), rq/tk configured request/token levels as of lt, q send serial.
 * KEYS[2] sorted set: reservations in flight, member "<tokens>|<reservation>", score when its
 * lease ends.
 *
 * KEYS[3] sorted set: the paced fetches asking for this id, member their instance id, score
 * until when each counts (its last ask + lease).
 *
 * ACQUIRE ARGV: now, tokens, requestsPerMinute or '', tokensPerMinute or '', lease, member, minTtl,
 * instance or ''. Returns {1, seq, peers} (admitted and reserved), {0, waitMs, peers}, or
 * {0, -1, peers} (only answers in flight can free it); peers is 0 without an instance.
 */
export const PACE_ACQUIRE = `
local now = tonumber(ARGV[1])
local tokens = tonumber(ARGV[2])
local rpm = tonumber(ARGV[3])
local tpm = tonumber(ARGV[4])
local peers = 0
if ARGV[8] ~= '' then
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[5]), ARGV[8])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
  peers = redis.call('ZCARD', KEYS[3])
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local members = redis.call('ZRANGE', KEYS[2], 0, -1)
local inReq = #members
local inTok = 0
for i = 1, inReq do
  inTok = inTok + (tonumber(string.match(members[i], '^(%d+)|')) or 0)
end
local h = redis.call('HGETALL', KEYS[1])
local f = {}
for i = 1, #h, 2 do f[h[i]] = h[i + 1] end
local wait = 0
local answers = false
local blocked = tonumber(f['x'] or '0') or 0
if blocked > now then wait = blocked - now end
for name, v in pairs(f) do
  if string.sub(name, 1, 2) == 'a:' then
    local rem, lim, reset, cr = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|')
    rem = tonumber(rem) or 0
    lim = tonumber(lim)
    reset = tonumber(reset)
    local avail = rem
    if reset and now >= reset then avail = lim or math.huge end
    local need
    if cr == '1' then need = inReq + 1 else need = inTok + math.max(tokens, 1) end
    if avail + 1e-9 < need then
      if reset and now < reset and (lim == nil or lim + 1e-9 >= need) then
        if reset - now > wait then wait = reset - now end
      elseif inReq > 0 then
        answers = true
      end
    end
  end
end
local lt = tonumber(f['lt'] or '') or now
local elapsed = math.max(0, now - lt)
local rq, tk
if rpm then
  rq = math.min(rpm, (tonumber(f['rq'] or '') or rpm) + rpm * elapsed / 60000)
  if rq + 1e-9 < 1 then wait = math.max(wait, math.ceil((1 - rq) * 60000 / rpm)) end
end
if tpm then
  tk = math.min(tpm, (tonumber(f['tk'] or '') or tpm) + tpm * elapsed / 60000)
  local need = math.min(tokens, tpm)
  if tokens > 0 and tk + 1e-9 < need then
    wait = math.max(wait, math.ceil((need - tk) * 60000 / tpm))
  end
end
if wait > 0 then return {0, math.ceil(wait), peers} end
if answers then return {0, -1, peers} end
if rpm then redis.call('HSET', KEYS[1], 'rq', tostring(rq - 1)) end
if tpm then redis.call('HSET', KEYS[1], 'tk', tostring(tk - math.min(tokens, tpm))) end
if rpm or tpm then redis.call('HSET', KEYS[1], 'lt', ARGV[1]) end
local seq = redis.call('HINCRBY', KEYS[1], 'q', 1)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[7]) then redis.call('PEXPIRE', KEYS[1], ARGV[7]) end
return {1, seq, peers}
`;

/**
 * RELEASE ARGV: now, reservation, seq, blocked until or '', minTtl, budget count, then per budget:
 * name, remaining, limit or '', resetAt or '', countsRequests (1/0). Which report of a budget to
 * keep follows SAME_WINDOW_MS of @four29/resilience: within one window the lowest
 * remaining with the later reset, a later window replaces, a late earlier window is dropped;
 * without resets an answer sent earlier may only lower the estimate (as `newerReport` there). A
 * written record keeps the higher of the two seqs.
 */
export const PACE_RELEASE = `
local suffix = '|' .. ARGV[2]
for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if string.sub(m, -#suffix) == suffix then redis.call('ZREM', KEYS[2], m) end
end
local now = tonumber(ARGV[1])
local seq = tonumber(ARGV[3])
local horizon = tonumber(ARGV[5])
local function avail(rem, lim, reset)
  if reset and now >= reset then return lim or math.huge end
  return rem
end
if ARGV[4] ~= '' then
  local b = tonumber(ARGV[4])
  if b > (tonumber(redis.call('HGET', KEYS[1], 'x') or '0') or 0) then
    redis.call('HSET', KEYS[1], 'x', ARGV[4])
  end
  horizon = math.max(horizon, b - now)
end
local i = 7
for k = 1, tonumber(ARGV[6]) do
  local name, rem, lim, reset, cr = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  i = i + 5
  local field = 'a:' .. name
  local cur = redis.call('HGET', KEYS[1], field)
  local take = true
  local kseq = ARGV[3]
  if cur then
    local crem, clim, creset, ccr, cseq = string.match(cur, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
    if (tonumber(cseq) or 0) > seq then kseq = cseq end
    local r, c = tonumber(reset), tonumber(creset)
    if r and c and math.abs(r - c) <= ${SAME_WINDOW_MS} then
      local nr, nc = tonumber(rem), tonumber(crem)
      if nc and not (nr and nr <= nc) then rem = crem end
      if c > r then reset = creset end
      take = rem ~= crem or reset ~= creset
    elseif r and c then
      take = r > c
    elseif seq <= (tonumber(cseq) or 0) then
      take = avail(tonumber(rem), tonumber(lim), tonumber(reset))
        < avail(tonumber(crem), tonumber(clim), tonumber(creset))
    end
  elseif redis.call('HLEN', KEYS[1]) >= 40 then
    take = false
  end
  if take then
    redis.call('HSET', KEYS[1], field, rem .. '|' .. lim .. '|' .. reset .. '|' .. cr .. '|' .. kseq)
  end
  if tonumber(reset) then horizon = math.max(horizon, tonumber(reset) - now) end
end
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('PTTL', KEYS[1]) < horizon then
  redis.call('PEXPIRE', KEYS[1], math.ceil(horizon))
end
return 1
`;
