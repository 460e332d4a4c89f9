-- Extends leases to now + ARGV[1] us, capped at the attempt's timeout plus the grace; ARGV[2..] are
-- triples of id, token and the progress to keep with the task (JSON, or '' to keep the last one). A lease whose token is not current, or whose attempt has outlived its
-- timeout, is stale and left alone. Each extension counts a heartbeat of the attempt (hbn, hbf, hbl). Returns per lease {id, new expiry in us} or {id} when stale.
local lease = tonumber(ARGV[1])
local now = now_us()
local out = {}
for i = 2, #ARGV, 3 do
  local id, token, progress = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local t = load(id)
  if t ~= nil and t.st == 'RUNNING' and t.tok == token and now < tonumber(t.sa) + timeout_us(t) then
    local untl = math.min(now + lease, tonumber(t.sa) + timeout_us(t) + GRACE)
    -- The heartbeat is counted: the first of an attempt is one whose count is not of this start.
    local beats, first = 1, int(now)
    if heartbeats_of(t) then
      beats, first = tonumber(t.hbn) + 1, t.hbf
    end
    if progress ~= '' then
      redis.call('HSET', P .. 't:' .. id, 'lu', int(untl), 'prog', progress, 'hbn', beats, 'hbf', first, 'hbl', int(now))
    else
      redis.call('HSET', P .. 't:' .. id, 'lu', int(untl), 'hbn', beats, 'hbf', first, 'hbl', int(now))
    end
    redis.call('ZADD', P .. 'run:' .. t.q, untl, id)
    out[#out + 1] = {id, int(untl)}
  else
    out[#out + 1] = {id}
  end
end
return out
