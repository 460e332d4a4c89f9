-- Inserts one task as insert.lua does (ARGV[1..15]), offered to an idle worker of the caller's process
-- (InsertRequest.claimFor): ARGV[16] the worker, ARGV[17] its lease in us, ARGV[18] the lease token. The
-- task is leased to that worker at once, as claim.lua would lease it, when that claim would take it
-- first: it is due now and not waiting, its queue is neither paused nor limited, and the queue holds no
-- READY task and none due. A task leased here wakes nobody. Returns {{created 0|1, task}}, as insert.lua.
local now = now_us()
local q = ARGV[2]
local takes = redis.call('SISMEMBER', P .. 'paused', q) == 0 and not is_limited(q)
  and redis.call('ZCARD', P .. 'qs:' .. q .. ':READY') == 0
  and #redis.call('ZRANGEBYSCORE', P .. 'd:' .. q, '-inf', int(now), 'LIMIT', 0, 1) == 0
if takes then
  woken[q] = true -- held back: the task goes to a worker that needs no wake-up, unless it cannot run now
end
local out = insert_at(ARGV, 1, now)
if takes and out[1] == 1 then
  local t = load(ARGV[1])
  if t.st == 'READY' then
    local untl = int(math.min(now + tonumber(ARGV[17]), now + math.floor(tonumber(t.tmo) / 1000) + GRACE))
    apply(t, {st = 'RUNNING', att = '1', sa = int(now), tok = ARGV[18], lu = untl, wk = ARGV[16]})
    out = {1, pack(t)}
  elseif t.st ~= 'WAITING' then
    woken[q] = nil
    wake(q)
  end
end
flush()
return {out}
