-- Replaces queue ARGV[1]'s limits with cap ARGV[2], rate ARGV[3] and burst ARGV[4] ('' for none;
-- all '' clears them). A new rate starts with a full bucket; a changed one keeps its tokens, at most
-- the new burst.
local q, max, rate, burst = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now = now_us()
if max == '' and rate == '' then
  redis.call('HDEL', P .. 'limits', q)
  redis.call('HDEL', P .. 'bucket', q)
else
  redis.call('HSET', P .. 'limits', q, max .. '|' .. rate .. '|' .. burst)
  if rate == '' then
    redis.call('HDEL', P .. 'bucket', q)
  else
    local old = redis.call('HGET', P .. 'bucket', q)
    local tokens = tonumber(burst)
    if old then
      tokens = math.min(tonumber(string.match(old, '^([^|]*)|')), tokens)
    end
    redis.call('HSET', P .. 'bucket', q, tostring(tokens) .. '|' .. int(now))
  end
end
wake(q)
return 1
