-- The prelude of every script of the Redis store, loaded once with the script it opens.
--
-- KEYS[1] is the installation's key prefix, a hash tag such as "{errand}:": every key a script
-- touches is built from it, so all of them lie in one cluster slot and one script changes them
-- atomically. Times are microseconds since the epoch on the Redis server's clock (TIME), never the
-- caller's. Durations arrive in microseconds (the task's timeout in nanoseconds, as stored).
--
-- Keys (P is the prefix):
--   P t:<id>          hash, one task (fields F below, less those load() puts back, plus join for a
--                     WAITING task); hbn, hbf, hbl count the heartbeats of the attempt that started at
--                     sa (extend.lua)
--   P e:<id>          list, its error history, oldest first, at most KEPT entries
--   P ik:<q>:<key>    string, the id holding an idempotency key in queue q
--   P q:<q>, P qs:<q>:<state>
--                     sorted sets of ids at score 0 (byte order of ids): the catalog's indexes, per
--                     queue only, so that a change of state touches two of them; a list across
--                     queues merges the queues' indexes (list.lua). RUNNING has none: run:<q> holds
--                     those tasks already, and there are never more of them than leases held, so a
--                     claim and a completion each move one index fewer per task
--   lease fields      tok, lu and wk mean something only while st is RUNNING: a success leaves them
--                     (one HDEL fewer per task) and every reader ignores them in other states
--   P r:<q>:<p>       READY tasks of q at priority p by runAt: claims walk p = 9..0
--   P d:<q>, P due    SCHEDULED and RETRYING tasks by runAt (of q; of every queue)
--   P run:<q>         RUNNING tasks of q by lease expiry, for its cap and for sweeps
--   P fin             SUCCEEDED and CANCELLED tasks by finishedAt, for pruning
--   P queues (set), P paused (set), P limits (hash q -> max|rate|burst), P bucket (hash q -> tokens|at)
--   P sched           hash name -> version \n updatedAt \n definition
--   P wake            the pub/sub channel: a queue's name when work may have become claimable there
local P = KEYS[1]
local GRACE = 1000000 -- AttemptTimeout.GRACE
local KEPT = 20 -- AttemptError.KEPT_PER_TASK
local F = {'id', 'q', 'type', 'pay', 'pri', 'st', 'att', 'max', 'rb', 'rc', 'tmo', 'ik', 'run', 'cr', 'sa', 'fa',
  'tok', 'lu', 'wk', 'res', 'err', 'kind', 'hdr', 'prog', 'hbn', 'hbf', 'hbl'}

local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- Integers as Redis keeps them: Lua's default would print 1.7e+15.
local function int(n)
  return string.format('%.0f', n)
end

-- What a task's hash leaves out and load() puts back: the id (the key holds it), the kind when it is
-- the default and the headers when there are none, and the retry policy as one field, rp = 'max base
-- cap'. Every insert writes the hash and every claim reads it: fewer fields are less to write, to scan
-- and to send back. Hashes written before hold id, kind, hdr, max, rb and rc, and load alike.
local DEFAULT_KIND = 'handler'

-- One pass over the hash (HMGET of every field looks each up in turn).
local function load(id)
  local v = redis.call('HGETALL', P .. 't:' .. id)
  if #v == 0 then
    return nil
  end
  local t = {}
  for i = 1, #v, 2 do
    t[v[i]] = v[i + 1]
  end
  t.id = id
  t.kind = t.kind or DEFAULT_KIND
  t.hdr = t.hdr or ''
  if t.rp then
    t.max, t.rb, t.rc = string.match(t.rp, '^(%S+) (%S+) (%S+)$')
    t.rp = nil
  end
  return t
end

-- A task as scripts return it: its fields in the order of F, false for an absent one.
local function pack(t)
  local out = {}
  for i, f in ipairs(F) do
    local v = t[f]
    if v == nil then
      v = false
    end
    out[i] = v
  end
  return out
end

local function timeout_us(t)
  return math.floor(tonumber(t.tmo) / 1000)
end

-- Changes to sorted sets, kept per key in order and sent at flush() as one command per run of like
-- changes: a batch of tasks moving between the same indexes costs a few calls, not a few per task.
-- Each key holds its runs as {op, arguments...}: no table per change. Every script flushes before it
-- reads an index it may have changed, and before it returns.
local later, later_keys = {}, {}
local function defer(key, op, score, id)
  local runs = later[key]
  if runs == nil then
    runs = {}
    later[key] = runs
    later_keys[#later_keys + 1] = key
  end
  local run = runs[#runs]
  if run == nil or run[1] ~= op then
    run = {op}
    runs[#runs + 1] = run
  end
  if op == 'ZADD' then
    run[#run + 1] = score
  end
  run[#run + 1] = id
end

-- Lua's stack takes some thousands of arguments: longer runs go in several commands.
local CHUNK = 4000
local function call_chunked(op, key, args, from, step)
  local n = #args
  local i = from
  while i <= n do
    local j = math.min(n, i + CHUNK - 1)
    if step == 2 and (j - i) % 2 == 0 then
      j = j - 1
    end
    redis.call(op, key, unpack(args, i, j))
    i = j + 1
  end
end

local function flush()
  for _, key in ipairs(later_keys) do
    for _, run in ipairs(later[key]) do
      local op = run[1]
      call_chunked(op, key, run, 2, op == 'ZADD' and 2 or 1)
    end
  end
  later, later_keys = {}, {}
end

-- The indexes of a task's state: its queue's catalog index of the state, and the READY, delayed,
-- RUNNING or finished index the state puts it in.
local function index_out(t)
  local id, q, st = t.id, t.q, t.st
  if st ~= 'RUNNING' then
    defer(P .. 'qs:' .. q .. ':' .. st, 'ZREM', nil, id)
  end
  if st == 'READY' then
    defer(P .. 'r:' .. q .. ':' .. t.pri, 'ZREM', nil, id)
  elseif st == 'SCHEDULED' or st == 'RETRYING' then
    defer(P .. 'd:' .. q, 'ZREM', nil, id)
    defer(P .. 'due', 'ZREM', nil, id)
  elseif st == 'RUNNING' then
    defer(P .. 'run:' .. q, 'ZREM', nil, id)
  elseif st == 'SUCCEEDED' or st == 'CANCELLED' then
    defer(P .. 'fin', 'ZREM', nil, id)
  end
end

local function index_in(t)
  local id, q, st = t.id, t.q, t.st
  if st ~= 'RUNNING' then
    defer(P .. 'qs:' .. q .. ':' .. st, 'ZADD', 0, id)
  end
  if st == 'READY' then
    defer(P .. 'r:' .. q .. ':' .. t.pri, 'ZADD', t.run, id)
  elseif st == 'SCHEDULED' or st == 'RETRYING' then
    defer(P .. 'd:' .. q, 'ZADD', t.run, id)
    defer(P .. 'due', 'ZADD', t.run, id)
  elseif st == 'RUNNING' then
    defer(P .. 'run:' .. q, 'ZADD', t.lu, id)
  elseif st == 'SUCCEEDED' or st == 'CANCELLED' then
    defer(P .. 'fin', 'ZADD', t.fa, id)
  end
end

-- Moves t to the state and fields in change (a field set to false is removed), indexes with it.
local function apply(t, change)
  index_out(t)
  local set, del = {}, {}
  for f, v in pairs(change) do
    if v == false then
      t[f] = nil
      del[#del + 1] = f
    else
      t[f] = v
      set[#set + 1] = f
      set[#set + 1] = v
    end
  end
  if #set > 0 then
    redis.call('HSET', P .. 't:' .. t.id, unpack(set))
  end
  if #del > 0 then
    redis.call('HDEL', P .. 't:' .. t.id, unpack(del))
  end
  index_in(t)
end

-- The heartbeats of the attempt that started at t.sa, as 'count;first;last', or nil if it had none:
-- hbn, hbf and hbl (extend.lua) belong to that attempt only while hbf >= sa.
local function heartbeats_of(t)
  if t.hbf and t.sa and tonumber(t.hbf) >= tonumber(t.sa) then
    return t.hbn .. ';' .. t.hbf .. ';' .. t.hbl
  end
  return nil
end

-- The attempt field is 'attempt;claimed' or 'attempt;claimed;count;first;last' with the attempt's
-- heartbeats (entries written before were 'attempt').
local function record_error(t, now, err)
  local key = P .. 'e:' .. t.id
  local beats = heartbeats_of(t)
  local attempt = t.att .. ';' .. (t.sa or '')
  if beats then
    attempt = attempt .. ';' .. beats
  end
  redis.call('RPUSH', key, attempt .. '\n' .. int(now) .. '\n' .. (t.wk or '') .. '\n' .. err)
  redis.call('LTRIM', key, -KEPT, -1)
end

local woken = {}
local function wake(q)
  if not woken[q] then
    woken[q] = true
    redis.call('PUBLISH', P .. 'wake', q)
  end
end

local limited = {}
local function is_limited(q)
  if limited[q] == nil then
    limited[q] = redis.call('HEXISTS', P .. 'limits', q) == 1
  end
  return limited[q]
end

local known_queues = {}
local function add_queue(q)
  if not known_queues[q] then
    known_queues[q] = true
    redis.call('SADD', P .. 'queues', q)
  end
end

-- Inserts a task from args[i..i+14] unless its id or idempotency key is held; see insert.lua.
local INSERT_FIELDS = 15
local function insert_at(args, i, now)
  local id, q = args[i], args[i + 1]
  local ik, run, delay, join = args[i + 9], args[i + 10], args[i + 11], tonumber(args[i + 12])
  local existing
  if redis.call('EXISTS', P .. 't:' .. id) == 1 then
    existing = load(id)
  end
  local ik_key
  if existing == nil and ik ~= '' then
    ik_key = P .. 'ik:' .. q .. ':' .. string.sub(ik, 2)
    local holder = redis.call('GET', ik_key)
    if holder then
      existing = load(holder)
    end
  end
  if existing ~= nil then
    return {0, pack(existing)}
  end
  if run == '' then
    run = now + tonumber(delay)
  else
    run = tonumber(run)
  end
  local st = 'READY'
  if join > 0 then
    st = 'WAITING'
  elseif run > now then
    st = 'SCHEDULED'
  end
  local t = {id = id, q = q, type = args[i + 2], pay = args[i + 3], pri = args[i + 4], st = st, att = '0',
    max = args[i + 5], rb = args[i + 6], rc = args[i + 7], tmo = args[i + 8], run = int(run), cr = int(now),
    kind = args[i + 13], hdr = args[i + 14]}
  if ik ~= '' then
    t.ik = string.sub(ik, 2)
    redis.call('SET', ik_key, id)
  end
  local set = {'q', q, 'type', t.type, 'pay', t.pay, 'pri', t.pri, 'st', st, 'att', '0', 'tmo', t.tmo, 'run', t.run,
    'cr', t.cr, 'rp', t.max .. ' ' .. t.rb .. ' ' .. t.rc}
  if t.kind ~= DEFAULT_KIND then
    set[#set + 1] = 'kind'
    set[#set + 1] = t.kind
  end
  if t.hdr ~= '' then
    set[#set + 1] = 'hdr'
    set[#set + 1] = t.hdr
  end
  if t.ik then
    set[#set + 1] = 'ik'
    set[#set + 1] = t.ik
  end
  if join > 0 then
    set[#set + 1] = 'join'
    set[#set + 1] = join
  end
  redis.call('HSET', P .. 't:' .. id, unpack(set))
  defer(P .. 'q:' .. q, 'ZADD', 0, id)
  add_queue(q)
  index_in(t)
  if st ~= 'WAITING' then
    wake(q)
  end
  return {1, pack(t)}
end

-- One off the join counter of a WAITING task; at zero it runs, in line from now if it is due. The
-- task is read whole only then: a chord's callback is counted down by each of its group.
local function decrement(id, now)
  local key = P .. 't:' .. id
  if redis.call('HGET', key, 'st') ~= 'WAITING' then
    return
  end
  local left = redis.call('HINCRBY', key, 'join', -1)
  if left > 0 then
    return
  end
  redis.call('HDEL', key, 'join')
  local t = load(id)
  if tonumber(t.run) <= now then
    apply(t, {st = 'READY', run = int(now)})
  else
    apply(t, {st = 'SCHEDULED'})
  end
  wake(t.q)
end

-- Deletes a task and everything that points at it.
local function forget(t)
  index_out(t)
  defer(P .. 'q:' .. t.q, 'ZREM', nil, t.id)
  if t.ik then
    local key = P .. 'ik:' .. t.q .. ':' .. t.ik
    if redis.call('GET', key) == t.id then
      redis.call('DEL', key)
    end
  end
  redis.call('DEL', P .. 't:' .. t.id, P .. 'e:' .. t.id)
end

-- The DEAD, SCHEDULED or RETRYING tasks an operator's filter (id, queue, type; '' matches all) picks,
-- read from the index of the state in the queue, or of the state.
local function matching(states, id, q, type)
  local out = {}
  local function take(t)
    if t ~= nil and states[t.st] and (q == '' or t.q == q) and (type == '' or t.type == type) then
      out[#out + 1] = t
    end
  end
  if id ~= '' then
    take(load(id))
    return out
  end
  local queues = {q}
  if q == '' then
    queues = redis.call('SMEMBERS', P .. 'queues')
  end
  for _, each_q in ipairs(queues) do
    for st in pairs(states) do
      for _, each in ipairs(redis.call('ZRANGE', P .. 'qs:' .. each_q .. ':' .. st, 0, -1)) do
        take(load(each))
      end
    end
  end
  return out
end
