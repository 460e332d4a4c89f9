-- How long a worker of queues ARGV[2..] may sleep, in us: 0 if one has READY tasks or due ones (a
-- limited one ARGV[1] us at most, as neither a freed slot nor a new token is signalled), else until
-- the first delayed task comes due, or -1 for nothing in sight.
local now = now_us()
local wait = -1
local function least(us)
  if wait < 0 or us < wait then
    wait = us
  end
end
for i = 2, #ARGV do
  local q = ARGV[i]
  if redis.call('SISMEMBER', P .. 'paused', q) == 0 then
    local ready = false
    for p = 0, 9 do
      if redis.call('EXISTS', P .. 'r:' .. q .. ':' .. p) == 1 then
        ready = true
        break
      end
    end
    local first = redis.call('ZRANGE', P .. 'd:' .. q, 0, 0, 'WITHSCORES')
    if first[2] and tonumber(first[2]) <= now then
      ready = true
    elseif first[2] then
      least(tonumber(first[2]) - now)
    end
    if ready then
      least(is_limited(q) and tonumber(ARGV[1]) or 0)
    end
  end
end
return int(wait)
