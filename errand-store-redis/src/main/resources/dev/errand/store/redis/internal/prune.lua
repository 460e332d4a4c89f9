-- Deletes up to ARGV[2] SUCCEEDED and CANCELLED tasks that finished before ARGV[1] us, then up to ARGV[2]
-- workflows that ended before it (their own keys; see workflow.lua). A task of a RUNNING workflow is kept:
-- it leaves fin for its workflow's wh:, which goes back to fin when the workflow ends, so later prunes
-- do not read it again. Returns how many tasks were deleted.
local limit = tonumber(ARGV[2])
local pruned = 0
while pruned < limit do
  local ids = redis.call('ZRANGEBYSCORE', P .. 'fin', '-inf', '(' .. ARGV[1], 'LIMIT', 0, limit - pruned)
  if #ids == 0 then
    break
  end
  for _, id in ipairs(ids) do
    local t = load(id)
    if t.wf and redis.call('HGET', P .. 'w:' .. t.wf, 'st') == 'RUNNING' then
      defer(P .. 'fin', 'ZREM', nil, id)
      redis.call('ZADD', P .. 'wh:' .. t.wf, t.fa, id)
    else
      forget(t)
      pruned = pruned + 1
    end
  end
  flush()
end
for _, wid in ipairs(redis.call('ZRANGEBYSCORE', P .. 'wfin', '-inf', '(' .. ARGV[1], 'LIMIT', 0, limit)) do
  wf_forget(wid)
end
return pruned
