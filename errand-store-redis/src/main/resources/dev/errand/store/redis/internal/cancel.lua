-- Cancels task ARGV[1] unless it is final; a RUNNING one loses its lease, so its worker's completion
-- is stale; a workflow node moves its workflow on (wf_finished in workflow.lua). Returns {status, task
-- or false}.
local t = load(ARGV[1])
if t == nil then
  return {'NOT_FOUND', false}
end
if t.st == 'SUCCEEDED' or t.st == 'DEAD' or t.st == 'CANCELLED' then
  return {'ALREADY_FINAL', pack(t)}
end
redis.call('HDEL', P .. 't:' .. t.id, 'join')
local now = now_us()
apply(t, {st = 'CANCELLED', fa = int(now), tok = false, lu = false, wk = false})
if is_limited(t.q) then
  wake(t.q)
end
local cancelled = pack(t)
if t.wf then
  wf_finished({t.id}, {[t.id] = 'CANCELLED'}, now)
end
flush()
return {'CANCELLED', cancelled}
