-- Run once when a store opens: deletes keys that earlier releases kept and nothing reads now, each
-- queue's qs:<q>:RUNNING (RUNNING tasks are listed and counted from run:<q>; see common.lua). A node
-- of an earlier release still running on the same installation lists its RUNNING tasks from that key,
-- so its catalog misses them until it is upgraded too. Returns {how many keys it deleted}.
local deleted = 0
for _, q in ipairs(redis.call('SMEMBERS', P .. 'queues')) do
  deleted = deleted + redis.call('UNLINK', P .. 'qs:' .. q .. ':RUNNING')
end
return {deleted}
