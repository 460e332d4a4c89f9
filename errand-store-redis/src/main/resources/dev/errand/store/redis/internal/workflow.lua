-- Workflows (WorkflowStore), loaded after common.lua by the scripts that insert, read or move them on
-- (Scripts.java names them). Core's WorkflowResolver is the rule; the other stores run it in Java inside
-- the SQL transaction of the write that made tasks final. Here it is written again in Lua, so that it
-- runs inside the same script as that write (a completion, a sweep that kills, a cancel) and is atomic
-- with it; core's WorkflowConformanceTest holds both to the same behaviour.
--
-- Keys (P is the prefix; <w> a workflow's id, <id> a node's task id):
--   P w:<w>      hash: st (RUNNING, SUCCEEDED, FAILED, CANCELLED), cx ('1' once cancelled), open (nodes not
--                final, the finally-node aside), failed (closed nodes that did not succeed), cr, fa (end
--                time), fp (fingerprint of the graph), ik (idempotency key), fin (the finally-node's task)
--   P wn:<w>     list: the nodes' task ids in the order given (the finally-node last)
--   P n:<id>     hash, one node: w, nm (its name), fin ('1' for the finally-node), open ('1' until its
--                task is first final, '0' after), in (its dependencies in order, each 'f' or 'c' for the
--                policy fail or continue, then the parent's task id, separated by spaces), out (the edges
--                leaving it, each policy, place k among the child's dependencies, '/', child id), pend
--                (those of out not yet resolved: the first write that finds the node final resolves
--                them all, once)
--   P wik:<key>  string: the workflow holding an idempotency key
--   P wfin       sorted set: ended workflows by end time, for pruning
--   P wh:<w>     sorted set: finished tasks of a RUNNING workflow that a prune found, by finish time, kept
--                out of fin until the workflow ends
-- A node's task carries its workflow's id in field wf: a completion reads it with the fields it reads
-- anyway, so a task that is no node costs nothing more.

local FINAL = {SUCCEEDED = true, DEAD = true, CANCELLED = true}
-- How the reason a dependant is cancelled for begins (WorkflowResolver.DEPENDENCY_FAILED).
local DEPENDENCY_FAILED = 'dependency '

-- An edge of out or pend: policy ('f' or 'c'), place among the child's dependencies, child id.
local function edge_of(token)
  return string.match(token, '^(%a)(%d+)/(.+)$')
end

-- The tasks' workflows: ends workflow wid, releasing its finally-node and its held results.
local function end_workflow(wid, w, now)
  local st = 'SUCCEEDED'
  if w.cx == '1' then
    st = 'CANCELLED'
  elseif w.failed > 0 then
    st = 'FAILED'
  end
  local snow = int(now)
  redis.call('HSET', P .. 'w:' .. wid, 'st', st, 'open', 0, 'failed', w.failed, 'fa', snow)
  redis.call('ZADD', P .. 'wfin', snow, wid)
  -- Results a prune found while the workflow ran go back under the normal retention.
  local held = P .. 'wh:' .. wid
  for _, id in ipairs(redis.call('ZRANGE', held, 0, -1)) do
    local v = redis.call('HMGET', P .. 't:' .. id, 'st', 'fa')
    if v[1] == 'SUCCEEDED' or v[1] == 'CANCELLED' then
      defer(P .. 'fin', 'ZADD', v[2], id)
    end
  end
  redis.call('DEL', held)
end

-- WorkflowResolver.finished: ids (sorted or not) are tasks the calling script made final, states[id]
-- the final state of each. Closes their nodes once; resolves the pending edges leaving the closed nodes
-- once; a resolved edge whose parent SUCCEEDED or whose policy is continue counts its dependant down,
-- any other cancels it if WAITING, with the reason, and the cancelled are final in turn. Each closed
-- node counts off its workflow's open nodes (the finally-node aside); a workflow at zero ends, and its
-- finally-node is released. Tasks that are no node do nothing.
local function wf_finished(ids, states, now)
  while #ids > 0 do
    table.sort(ids)
    local closed, per, wids = {}, {}, {}
    for _, id in ipairs(ids) do
      local key = P .. 'n:' .. id
      local v = redis.call('HMGET', key, 'open', 'w', 'fin', 'pend')
      if v[1] == '1' then
        redis.call('HSET', key, 'open', '0', 'pend', '')
        closed[#closed + 1] = {id, v[4]}
        if v[3] ~= '1' then
          local c = per[v[2]]
          if c == nil then
            c = {0, 0}
            per[v[2]] = c
            wids[#wids + 1] = v[2]
          end
          c[1] = c[1] + 1
          if states[id] ~= 'SUCCEEDED' then
            c[2] = c[2] + 1
          end
        end
      end
    end
    if #closed == 0 then
      return
    end
    local decrements, reasons, cancels = {}, {}, {}
    for _, c in ipairs(closed) do
      local parent, pend = c[1], c[2]
      if pend then
        local ps = states[parent]
        for token in string.gmatch(pend, '%S+') do
          local policy, _, child = edge_of(token)
          if ps == 'SUCCEEDED' or policy == 'c' then
            decrements[#decrements + 1] = child
          elseif reasons[child] == nil then
            reasons[child] = DEPENDENCY_FAILED .. parent .. ' ended ' .. ps
            cancels[#cancels + 1] = child
          end
        end
      end
    end
    -- Cancels before decrements: a dependant that one parent fails and another releases stays cancelled.
    table.sort(cancels)
    local next_ids, next_states = {}, {}
    local snow = int(now)
    for _, child in ipairs(cancels) do
      local t = load(child)
      if t ~= nil and t.st == 'WAITING' then
        apply(t, {st = 'CANCELLED', fa = snow, err = reasons[child], join = false})
        next_ids[#next_ids + 1] = child
        next_states[child] = 'CANCELLED'
      end
    end
    table.sort(decrements)
    for _, child in ipairs(decrements) do
      decrement(child, now)
    end
    table.sort(wids)
    local finals = {}
    for _, wid in ipairs(wids) do
      local key = P .. 'w:' .. wid
      local v = redis.call('HMGET', key, 'st', 'open', 'failed', 'cx', 'fin')
      if v[1] == 'RUNNING' then
        local open = tonumber(v[2]) - per[wid][1]
        local failed = tonumber(v[3]) + per[wid][2]
        if open > 0 then
          redis.call('HSET', key, 'open', open, 'failed', failed)
        else
          end_workflow(wid, {cx = v[4], failed = failed}, now)
          if v[5] then
            finals[#finals + 1] = v[5]
          end
        end
      end
    end
    table.sort(finals)
    for _, id in ipairs(finals) do
      decrement(id, now)
    end
    ids, states = next_ids, next_states
  end
end

-- Whether token is among the space-separated tokens of list.
local function listed(list, token)
  for each in string.gmatch(list or '', '%S+') do
    if each == token then
      return true
    end
  end
  return false
end

local function sorted_keys(set)
  local out = {}
  for k in pairs(set) do
    out[#out + 1] = k
  end
  table.sort(out)
  return out
end

-- WorkflowResolver.replayed: ids are tasks the calling script took from DEAD back to runnable. Their
-- closed nodes (not the finally-node, not of a cancelled workflow) open again; each dependant a failed
-- dependency cancelled (its last error says so) over a fail edge from a revived node is revived too,
-- down the graph, unless a parent outside the revived set still fails it; the edges from revived nodes
-- to revived dependants are pending again, and each revived dependant WAITING for its pending edges.
-- The workflow runs again if it had ended, its finally-node WAITING again unless it is running.
local function wf_replayed(ids, now)
  table.sort(ids)
  local roots = {}
  for _, id in ipairs(ids) do
    local v = redis.call('HMGET', P .. 'n:' .. id, 'open', 'fin', 'w')
    if v[1] == '0' and v[2] ~= '1' and redis.call('HGET', P .. 'w:' .. v[3], 'cx') ~= '1' then
      roots[#roots + 1] = id
    end
  end
  if #roots == 0 then
    return
  end
  local revived, dependants = {}, {}
  for _, id in ipairs(roots) do
    revived[id] = true
  end
  local frontier = roots
  while #frontier > 0 do
    local found = {}
    for _, parent in ipairs(frontier) do
      local v = redis.call('HMGET', P .. 'n:' .. parent, 'out', 'pend')
      for token in string.gmatch(v[1] or '', '%S+') do
        local policy, _, child = edge_of(token)
        if policy == 'f' and not revived[child] and not listed(v[2], token) then
          local c = redis.call('HMGET', P .. 't:' .. child, 'st', 'err')
          if c[1] == 'CANCELLED' and c[2] and string.sub(c[2], 1, #DEPENDENCY_FAILED) == DEPENDENCY_FAILED then
            revived[child] = true
            dependants[child] = true
            found[#found + 1] = child
          end
        end
      end
    end
    table.sort(found)
    frontier = found
  end
  -- A dependant that a parent outside the revived set still fails stays cancelled, with what it cancelled.
  local into = {}
  for _, child in ipairs(sorted_keys(dependants)) do
    local k = 0
    for token in string.gmatch(redis.call('HGET', P .. 'n:' .. child, 'in') or '', '%S+') do
      into[#into + 1] = {string.sub(token, 2), child, string.sub(token, 1, 1), k}
      k = k + 1
    end
  end
  local parent_states = {}
  for _, e in ipairs(into) do
    if parent_states[e[1]] == nil then
      parent_states[e[1]] = redis.call('HGET', P .. 't:' .. e[1], 'st') or ''
    end
  end
  local removed = true
  while removed do
    removed = false
    for _, e in ipairs(into) do
      local ps = parent_states[e[1]]
      if revived[e[2]] and not revived[e[1]] and e[3] == 'f' and FINAL[ps] and ps ~= 'SUCCEEDED' then
        revived[e[2]] = nil
        dependants[e[2]] = nil
        removed = true
      end
    end
  end
  -- Reopen the nodes, counted per workflow.
  local per, wids = {}, {}
  for _, id in ipairs(sorted_keys(revived)) do
    local key = P .. 'n:' .. id
    local v = redis.call('HMGET', key, 'open', 'fin', 'w')
    if v[1] == '0' and v[2] ~= '1' then
      redis.call('HSET', key, 'open', '1')
      if per[v[3]] == nil then
        per[v[3]] = 0
        wids[#wids + 1] = v[3]
      end
      per[v[3]] = per[v[3]] + 1
    end
  end
  -- The edges from revived nodes to revived dependants are pending again; each dependant waits for its
  -- pending edges.
  local pending = {}
  for _, e in ipairs(into) do
    if dependants[e[2]] and revived[e[1]] then
      local key = P .. 'n:' .. e[1]
      local token = e[3] .. e[4] .. '/' .. e[2]
      local pend = redis.call('HGET', key, 'pend') or ''
      if not listed(pend, token) then
        redis.call('HSET', key, 'pend', pend == '' and token or pend .. ' ' .. token)
      end
    end
  end
  for _, e in ipairs(into) do
    if dependants[e[2]] and listed(redis.call('HGET', P .. 'n:' .. e[1], 'pend'), e[3] .. e[4] .. '/' .. e[2]) then
      pending[e[2]] = (pending[e[2]] or 0) + 1
    end
  end
  for _, child in ipairs(sorted_keys(dependants)) do
    local t = load(child)
    if t ~= nil and t.st == 'CANCELLED' then
      apply(t, {st = 'WAITING', fa = false, err = false, join = tostring(pending[child] or 0)})
    end
  end
  table.sort(wids)
  for _, wid in ipairs(wids) do
    local key = P .. 'w:' .. wid
    local v = redis.call('HMGET', key, 'open', 'failed', 'fin')
    redis.call('HSET', key, 'st', 'RUNNING', 'open', tonumber(v[1]) + per[wid],
      'failed', math.max(tonumber(v[2]) - per[wid], 0))
    redis.call('HDEL', key, 'fa')
    redis.call('ZREM', P .. 'wfin', wid)
    local t = v[3] and load(v[3])
    if t and (t.st == 'READY' or t.st == 'SCHEDULED' or t.st == 'RETRYING' or FINAL[t.st]) then
      apply(t, {st = 'WAITING', join = '1', fa = false, res = false, err = false})
    end
  end
end

-- Workflow wid as workflow(id) returns it: {id, ik or false, state, created, ended or false, nodes},
-- each node {name, task id, type or false, state or false (its task pruned), in, '1' if finally}; nil
-- if unknown.
local function wf_info(wid)
  local w = redis.call('HMGET', P .. 'w:' .. wid, 'ik', 'st', 'cr', 'fa')
  if not w[2] then
    return nil
  end
  local nodes = {}
  for _, id in ipairs(redis.call('LRANGE', P .. 'wn:' .. wid, 0, -1)) do
    local n = redis.call('HMGET', P .. 'n:' .. id, 'nm', 'in', 'fin')
    local t = redis.call('HMGET', P .. 't:' .. id, 'type', 'st')
    nodes[#nodes + 1] = {n[1], id, t[1], t[2], n[2] or '', n[3] or '0'}
  end
  return {wid, w[1], w[2], w[3], w[4], nodes}
end

-- Deletes workflow wid's own keys; its tasks follow their retention.
local function wf_forget(wid)
  local key = P .. 'w:' .. wid
  local ik = redis.call('HGET', key, 'ik')
  if ik and redis.call('GET', P .. 'wik:' .. ik) == wid then
    redis.call('DEL', P .. 'wik:' .. ik)
  end
  for _, id in ipairs(redis.call('LRANGE', P .. 'wn:' .. wid, 0, -1)) do
    redis.call('DEL', P .. 'n:' .. id)
  end
  redis.call('DEL', key, P .. 'wn:' .. wid, P .. 'wh:' .. wid)
  redis.call('ZREM', P .. 'wfin', wid)
end
