-- Every queue with tasks, paused or limited: {name, counts of the 8 states in TaskState's order,
-- paused 0|1, limits or '', the runAt of its oldest task that may run now or ''}. Counts are the
-- cardinalities of the per-queue state indexes (RUNNING's is run:<q>), so they cost nothing per task. A
-- queue left idle is forgotten here.
local STATES = {'WAITING', 'SCHEDULED', 'READY', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'DEAD', 'CANCELLED'}
local now = now_us()
local names = {}
for _, key in ipairs({'queues', 'paused'}) do
  for _, q in ipairs(redis.call('SMEMBERS', P .. key)) do
    names[q] = true
  end
end
for _, q in ipairs(redis.call('HKEYS', P .. 'limits')) do
  names[q] = true
end
local out = {}
for q in pairs(names) do
  local row, total = {q}, 0
  for i, st in ipairs(STATES) do
    local n
    if st == 'RUNNING' then
      n = redis.call('ZCARD', P .. 'run:' .. q)
    else
      n = redis.call('ZCARD', P .. 'qs:' .. q .. ':' .. st)
    end
    row[i + 1] = n
    total = total + n
  end
  local paused = redis.call('SISMEMBER', P .. 'paused', q)
  local limits = redis.call('HGET', P .. 'limits', q) or ''
  local oldest
  for p = 0, 9 do
    local first = redis.call('ZRANGE', P .. 'r:' .. q .. ':' .. p, 0, 0, 'WITHSCORES')
    if first[2] and (oldest == nil or tonumber(first[2]) < oldest) then
      oldest = tonumber(first[2])
    end
  end
  local first = redis.call('ZRANGE', P .. 'd:' .. q, 0, 0, 'WITHSCORES')
  if first[2] and tonumber(first[2]) <= now and (oldest == nil or tonumber(first[2]) < oldest) then
    oldest = tonumber(first[2])
  end
  row[10] = paused
  row[11] = limits
  row[12] = oldest and int(oldest) or ''
  if total == 0 and paused == 0 and limits == '' then
    redis.call('SREM', P .. 'queues', q)
  else
    out[#out + 1] = row
  end
end
return out
