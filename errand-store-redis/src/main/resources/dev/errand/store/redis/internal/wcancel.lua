-- Cancels what has not started of workflow ARGV[1] (WAITING, SCHEDULED, READY and RETRYING nodes, the
-- finally-node aside) and marks it to end CANCELLED once its running nodes are done; the cancelled
-- nodes move it on (wf_finished) in this script. An ended workflow is left as it is. Returns
-- {the workflow afterwards (wf_info)}, {false} if unknown.
local wid = ARGV[1]
local key = P .. 'w:' .. wid
local st = redis.call('HGET', key, 'st')
if not st then
  return {false}
end
if st == 'RUNNING' then
  redis.call('HSET', key, 'cx', '1')
  local now = now_us()
  local snow = int(now)
  local fin = redis.call('HGET', key, 'fin')
  local ids, states = {}, {}
  for _, id in ipairs(redis.call('LRANGE', P .. 'wn:' .. wid, 0, -1)) do
    if id ~= fin then
      local t = load(id)
      if t ~= nil and (t.st == 'WAITING' or t.st == 'SCHEDULED' or t.st == 'READY' or t.st == 'RETRYING') then
        apply(t, {st = 'CANCELLED', fa = snow, err = 'workflow cancelled', join = false})
        ids[#ids + 1] = id
        states[id] = 'CANCELLED'
      end
    end
  end
  wf_finished(ids, states, now)
  flush()
end
return {wf_info(wid)}
