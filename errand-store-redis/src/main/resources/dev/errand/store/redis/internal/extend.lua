-- Extends leases to now + ARGV[1] us, capped at the attempt's timeout plus the grace; ARGV[2..] are
-- pairs of id and token. A lease whose token is not current, or whose attempt has outlived its
-- timeout, is stale and left alone. Returns per lease {id, new expiry in us} or {id} when stale.
local lease = tonumber(ARGV[1])
local now = now_us()
local out = {}
for i = 2, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local t = load(id)
  if t ~= nil and t.st == 'RUNNING' and t.tok == token and now < tonumber(t.sa) + timeout_us(t) then
    local untl = math.min(now + lease, tonumber(t.sa) + timeout_us(t) + GRACE)
    redis.call('HSET', P .. 't:' .. id, 'lu', int(untl))
    redis.call('ZADD', P .. 'run:' .. t.q, untl, id)
    out[#out + 1] = {id, int(untl)}
  else
    out[#out + 1] = {id}
  end
end
return out
