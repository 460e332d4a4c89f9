-- Applies completions, each fenced by its lease token, with the follow-ups of those applied.
-- ARGV[1] is 1 to return the tasks as left. ARGV[2] counts the plain successes (no follow-ups) that
-- come first, three arguments each: id, token, '=' .. result or '' (none when returning). Then per
-- completion: id, token, outcome (S succeeded,
-- R retry, D dead, L release), its value (S: '=' .. result or ''; R, L: delay in us; D: error), R's
-- error or '', then the number of follow-up inserts and decrements, the inserts' fields (as insert.lua
-- takes them) and the ids to decrement. Inserts of every applied completion come before decrements;
-- then the workflow nodes the batch made final (SUCCEEDED or DEAD) move their workflows on
-- (wf_finished in workflow.lua). Returns {stale ids, tasks as left}.
local now = now_us()
local snow = int(now)

-- Applies a completion to a task read in full: every outcome, and success when the tasks are returned.
local function complete_loaded(t, outcome, value, err)
  local lease = {tok = false, lu = false, wk = false}
  if outcome == 'S' then
    lease.st, lease.fa, lease.res = 'SUCCEEDED', int(now), false
    if value ~= '' then
      lease.res = string.sub(value, 2)
    end
  elseif outcome == 'R' then
    record_error(t, now, err)
    lease.st, lease.run, lease.err = 'RETRYING', int(now + tonumber(value)), err
    wake(t.q)
  elseif outcome == 'D' then
    record_error(t, now, value)
    lease.st, lease.fa, lease.err = 'DEAD', int(now), value
  else
    lease.att = tostring(tonumber(t.att) - 1)
    if tonumber(value) == 0 then
      lease.st = 'READY'
    else
      lease.st, lease.run = 'SCHEDULED', int(now + tonumber(value))
    end
    wake(t.q)
  end
  apply(t, lease)
  if is_limited(t.q) then
    wake(t.q)
  end
end

local returning = ARGV[1] == '1'
local stale, tasks = {}, {}
-- Workflow nodes made final here, and how they ended: a task's wf field, read with the fields read anyway.
local nodes, node_states = {}, {}
local inserts, decrements = {}, {}
-- A queue's keys of the common case, built once per script: a concatenation is a new string to hash.
local success_keys = {}
local function success_keys_of(q)
  local k = success_keys[q]
  if k == nil then
    k = {P .. 'run:' .. q, P .. 'qs:' .. q .. ':SUCCEEDED'}
    success_keys[q] = k
  end
  return k
end
local fin = P .. 'fin'

-- The common case: reads four fields and writes a few, with no table per task. False if stale.
local function succeed(id, token, value)
  local tk = P .. 't:' .. id
  local v = redis.call('HMGET', tk, 'st', 'tok', 'q', 'wf')
  if v[1] ~= 'RUNNING' or v[2] ~= token then
    return false
  end
  local tq = v[3]
  -- The lease's fields stay (they mean nothing once not RUNNING), and a RUNNING task holds no result
  -- (every way back to a waiting state removes it), so this is one write.
  if value ~= '' then
    redis.call('HSET', tk, 'st', 'SUCCEEDED', 'fa', snow, 'res', string.sub(value, 2))
  else
    redis.call('HSET', tk, 'st', 'SUCCEEDED', 'fa', snow)
  end
  local keys = success_keys_of(tq)
  defer(keys[1], 'ZREM', nil, id)
  defer(keys[2], 'ZADD', 0, id)
  defer(fin, 'ZADD', snow, id)
  if is_limited(tq) then
    wake(tq)
  end
  if v[4] then
    nodes[#nodes + 1] = id
    node_states[id] = 'SUCCEEDED'
  end
  return true
end

local i = 3
for _ = 1, tonumber(ARGV[2]) do
  if not succeed(ARGV[i], ARGV[i + 1], ARGV[i + 2]) then
    stale[#stale + 1] = ARGV[i]
  end
  i = i + 3
end
while i <= #ARGV do
  local id, token, outcome, value, err = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local ni, nd = tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6])
  local at = i + 7
  i = at + ni * INSERT_FIELDS + nd
  local applied = true
  if outcome == 'S' and not returning then
    applied = succeed(id, token, value)
  else
    local t = load(id)
    if t == nil or t.st ~= 'RUNNING' or t.tok ~= token then
      applied = false
    else
      complete_loaded(t, outcome, value, err)
      if t.wf and (outcome == 'S' or outcome == 'D') then
        nodes[#nodes + 1] = id
        node_states[id] = t.st
      end
      if returning then
        tasks[#tasks + 1] = pack(t)
      end
    end
  end
  if not applied then
    stale[#stale + 1] = id
  else
    for k = 0, ni - 1 do
      inserts[#inserts + 1] = at + k * INSERT_FIELDS
    end
    for k = at + ni * INSERT_FIELDS, at + ni * INSERT_FIELDS + nd - 1 do
      decrements[#decrements + 1] = ARGV[k]
    end
  end
end
for _, at in ipairs(inserts) do
  insert_at(ARGV, at, now)
end
for _, id in ipairs(decrements) do
  decrement(id, now)
end
if #nodes > 0 then
  wf_finished(nodes, node_states, now)
end
flush()
return {stale, tasks}
