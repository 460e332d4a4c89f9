-- Creates or replaces stored schedule ARGV[1] with definition ARGV[2]: version one more than before.
-- Returns {version, updatedAt us}.
local old = redis.call('HGET', P .. 'sched', ARGV[1])
local version = 1
if old then
  version = tonumber(string.match(old, '^(%d+)\n')) + 1
end
local now = int(now_us())
redis.call('HSET', P .. 'sched', ARGV[1], version .. '\n' .. now .. '\n' .. ARGV[2])
return {version, now}
