-- Takes back up to ARGV[1] leases that ran out (expiry before now), each once: the lost attempt goes
-- into the error history; the task becomes DEAD on its final attempt, RETRYING due now when the lease
-- ended at its timeout, else READY in its place in line. The workflow nodes it kills move their
-- workflows on (wf_finished in workflow.lua). Returns each task as found, with its lease.
local now = now_us()
local ids = {}
for _, q in ipairs(redis.call('SMEMBERS', P .. 'queues')) do
  local left = tonumber(ARGV[1]) - #ids
  if left <= 0 then
    break
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'run:' .. q, '-inf', '(' .. int(now), 'LIMIT', 0, left)) do
    ids[#ids + 1] = id
  end
end
local out = {}
local nodes, node_states = {}, {}
for _, id in ipairs(ids) do
  local t = load(id)
  out[#out + 1] = pack(t)
  local tmo = timeout_us(t)
  local timed_out = tonumber(t.lu) >= tonumber(t.sa) + tmo
  local err
  if timed_out then
    err = 'timed out after ' .. int(math.floor(tonumber(t.tmo) / 1000000)) .. ' ms'
  else
    err = 'lease expired on worker ' .. t.wk
  end
  record_error(t, now, err)
  local change = {err = err, tok = false, lu = false, wk = false}
  if tonumber(t.att) >= tonumber(t.max) then
    change.st, change.fa = 'DEAD', int(now)
  elseif timed_out then
    change.st, change.run = 'RETRYING', int(now)
  else
    change.st = 'READY'
  end
  apply(t, change)
  wake(t.q)
  if t.wf and change.st == 'DEAD' then
    nodes[#nodes + 1] = id
    node_states[id] = 'DEAD'
  end
end
if #nodes > 0 then
  wf_finished(nodes, node_states, now)
end
flush()
return out
