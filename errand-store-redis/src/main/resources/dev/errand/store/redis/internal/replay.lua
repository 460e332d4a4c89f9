-- DEAD tasks matching id ARGV[1], queue ARGV[2], type ARGV[3] ('' matches all) back to READY with
-- attempt 0, runnable now; their error history stays. The workflow nodes among them open again and
-- revive the dependants their deaths cancelled (wf_replayed in workflow.lua). Returns how many.
local now = now_us()
local snow = int(now)
local found = matching({DEAD = true}, ARGV[1], ARGV[2], ARGV[3])
local nodes = {}
for _, t in ipairs(found) do
  apply(t, {st = 'READY', att = '0', run = snow, fa = false, res = false})
  wake(t.q)
  if t.wf then
    nodes[#nodes + 1] = t.id
  end
end
if #nodes > 0 then
  wf_replayed(nodes, now)
end
flush()
return #found
