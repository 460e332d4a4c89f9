-- Claims up to ARGV[2] tasks of queue ARGV[1] for worker ARGV[4], each leased for ARGV[3] us (capped
-- at its timeout plus the grace), its token ARGV[5] .. ':' .. n. First the queue's due SCHEDULED and
-- RETRYING tasks (at most ARGV[6]) are promoted to READY; then the best READY tasks are taken:
-- priority 9 down to 0, each priority's set by runAt then id, which is the claim order. A paused
-- queue yields nothing; a limited one no more than its cap less its live leases and its whole tokens.
-- Expired leases are left to the sweep. Returns {the claim's time, the claimed tasks' fields as read
-- before the claim (below), their leases' expiries, their ids}: the caller knows the rest of each lease
-- (RUNNING, the next attempt, token ARGV[5] .. ':' .. n in the order returned, worker ARGV[4]).
local q, limit, lease, worker, base = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
if redis.call('SISMEMBER', P .. 'paused', q) == 1 then
  return {0, {}, {}, {}}
end
local now = now_us()
local due = redis.call('ZRANGEBYSCORE', P .. 'd:' .. q, '-inf', int(now), 'LIMIT', 0, tonumber(ARGV[6]))
for _, id in ipairs(due) do
  apply(load(id), {st = 'READY'})
end
flush()
local allowed = limit
local limits = redis.call('HGET', P .. 'limits', q)
local rate, burst, tokens, bucket_at
if limits then
  local max, r, b = string.match(limits, '^([^|]*)|([^|]*)|([^|]*)$')
  if max ~= '' then
    local live = redis.call('ZCOUNT', P .. 'run:' .. q, '(' .. int(now), '+inf')
    allowed = math.min(allowed, tonumber(max) - live)
  end
  if r ~= '' then
    rate, burst = tonumber(r), tonumber(b)
    local tk, at = string.match(redis.call('HGET', P .. 'bucket', q) or (b .. '|' .. int(now)), '^([^|]*)|([^|]*)$')
    tokens, bucket_at = tonumber(tk), tonumber(at)
    if now > bucket_at then
      tokens = math.min(burst, tokens + (now - bucket_at) / 1000000 * rate)
      bucket_at = now
    end
    allowed = math.min(allowed, math.floor(tokens))
  end
end
-- Each claimed task is read once, before its change, and goes back as read: one read and one write per
-- task, no table built per task beyond the read's, no re-encoding. The read names the fields a claimed task goes back with
-- (TaskCodec.CLAIMED, in its order, false where absent), so no name is sent and att and tmo are found
-- by place; left out are the queue (the caller's), the lease (the caller knows it, or finds it in
-- untils) and what a READY task cannot hold or a new attempt does not keep (result, end, heartbeats of
-- an attempt before this one). Its indexes move as one command per index.
local claimed, untils, claimed_ids = {}, {}, {}
local snow = int(now)
local running = {}
-- Formatting a number is a printf in Redis's Lua: tasks of a batch mostly share their timeout and attempt.
local until_of, next_of = {}, {}
local p = 9
while allowed > #claimed and p >= 0 do
  local key = P .. 'r:' .. q .. ':' .. p
  local ids = redis.call('ZRANGE', key, 0, allowed - #claimed - 1)
  if #ids > 0 then
    call_chunked('ZREM', key, ids, 1, 1)
    call_chunked('ZREM', P .. 'qs:' .. q .. ':READY', ids, 1, 1)
    for _, id in ipairs(ids) do
      local tk = P .. 't:' .. id
      local h = redis.call('HMGET', tk, 'type', 'pay', 'pri', 'att', 'tmo', 'run', 'cr', 'rp', 'kind', 'hdr', 'ik',
        'err', 'prog')
      local att, tmo = h[4], h[5]
      if not h[8] then
        -- Written before the retry policy was one field (see load in common.lua).
        local r = redis.call('HMGET', tk, 'max', 'rb', 'rc')
        h[8] = r[1] .. ' ' .. r[2] .. ' ' .. r[3]
      end
      local untl = until_of[tmo]
      if untl == nil then
        untl = int(math.min(now + lease, now + math.floor(tonumber(tmo) / 1000) + GRACE))
        until_of[tmo] = untl
      end
      local a = next_of[att]
      if a == nil then
        a = int(tonumber(att) + 1)
        next_of[att] = a
      end
      local n = #claimed + 1
      local tok = base .. ':' .. n
      redis.call('HSET', tk, 'st', 'RUNNING', 'att', a, 'sa', snow, 'tok', tok, 'lu', untl, 'wk', worker)
      claimed[n] = h
      untils[n] = untl
      claimed_ids[n] = id
      running[#running + 1] = untl
      running[#running + 1] = id
    end
  end
  p = p - 1
end
if #running > 0 then
  call_chunked('ZADD', P .. 'run:' .. q, running, 1, 2)
end
if rate then
  redis.call('HSET', P .. 'bucket', q, tostring(tokens - #claimed) .. '|' .. int(bucket_at))
end
return {snow, claimed, untils, claimed_ids}
