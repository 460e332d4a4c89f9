-- Claims up to ARGV[2] tasks of queue ARGV[1] for worker ARGV[4], each leased for ARGV[3] us (capped
-- at its timeout plus the grace), its token ARGV[5] .. ':' .. n. First the queue's due SCHEDULED and
-- RETRYING tasks (at most ARGV[6]) are promoted to READY; then the best READY tasks are taken:
-- priority 9 down to 0, each priority's set by runAt then id, which is the claim order. A paused
-- queue yields nothing; a limited one no more than its cap less its live leases and its whole tokens.
-- Expired leases are left to the sweep. Returns the claimed tasks.
local q, limit, lease, worker, base = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
if redis.call('SISMEMBER', P .. 'paused', q) == 1 then
  return {}
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
local claimed = {}
local p = 9
while allowed > #claimed and p >= 0 do
  local ids = redis.call('ZRANGE', P .. 'r:' .. q .. ':' .. p, 0, allowed - #claimed - 1)
  for _, id in ipairs(ids) do
    local t = load(id)
    local untl = math.min(now + lease, now + timeout_us(t) + GRACE)
    apply(t, {st = 'RUNNING', att = tostring(tonumber(t.att) + 1), sa = int(now), tok = base .. ':' .. (#claimed + 1),
      lu = int(untl), wk = worker})
    claimed[#claimed + 1] = pack(t)
  end
  p = p - 1
end
if rate then
  redis.call('HSET', P .. 'bucket', q, tostring(tokens - #claimed) .. '|' .. int(bucket_at))
end
flush()
return claimed
