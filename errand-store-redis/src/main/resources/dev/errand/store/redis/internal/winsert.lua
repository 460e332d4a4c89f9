-- Inserts a workflow whole (see workflow.lua for its keys): ARGV[1] its id, ARGV[2] '=' .. idempotency
-- key or '', ARGV[3] its fingerprint, then per node its name, '1' if it is the finally-node else '0',
-- its in and out (as n:<id> keeps them), and its task's 15 insert fields (as insert.lua takes them).
-- A key already held returns that workflow instead: {0, id, fingerprint, task id, name, ...}; else
-- {1}. Nothing is written if a node's task id is held: {-1, that id}.
local now = now_us()
local wid, ik, fp = ARGV[1], ARGV[2], ARGV[3]
local NODE = 4 + INSERT_FIELDS
if ik ~= '' then
  local holder = redis.call('GET', P .. 'wik:' .. string.sub(ik, 2))
  if holder then
    local out = {0, holder, redis.call('HGET', P .. 'w:' .. holder, 'fp')}
    for _, id in ipairs(redis.call('LRANGE', P .. 'wn:' .. holder, 0, -1)) do
      out[#out + 1] = id
      out[#out + 1] = redis.call('HGET', P .. 'n:' .. id, 'nm')
    end
    return out
  end
end
-- All or none: checked before the first write, since a script's writes are not undone.
for i = 4, #ARGV, NODE do
  local id = ARGV[i + 4]
  if redis.call('EXISTS', P .. 't:' .. id) == 1 then
    return {-1, id}
  end
end
local open, finally_node, ids = 0, nil, {}
for i = 4, #ARGV, NODE do
  local at = i + 4
  local id = ARGV[at]
  insert_at(ARGV, at, now)
  redis.call('HSET', P .. 't:' .. id, 'wf', wid)
  local node = {'w', wid, 'nm', ARGV[i], 'open', '1'}
  if ARGV[i + 1] == '1' then
    node[#node + 1] = 'fin'
    node[#node + 1] = '1'
    finally_node = id
  else
    open = open + 1
  end
  if ARGV[i + 2] ~= '' then
    node[#node + 1] = 'in'
    node[#node + 1] = ARGV[i + 2]
  end
  if ARGV[i + 3] ~= '' then
    node[#node + 1] = 'out'
    node[#node + 1] = ARGV[i + 3]
    node[#node + 1] = 'pend'
    node[#node + 1] = ARGV[i + 3]
  end
  redis.call('HSET', P .. 'n:' .. id, unpack(node))
  ids[#ids + 1] = id
end
call_chunked('RPUSH', P .. 'wn:' .. wid, ids, 1, 1)
local w = {'st', 'RUNNING', 'open', open, 'failed', 0, 'cr', int(now), 'fp', fp}
if finally_node then
  w[#w + 1] = 'fin'
  w[#w + 1] = finally_node
end
if ik ~= '' then
  w[#w + 1] = 'ik'
  w[#w + 1] = string.sub(ik, 2)
  redis.call('SET', P .. 'wik:' .. string.sub(ik, 2), wid)
end
redis.call('HSET', P .. 'w:' .. wid, unpack(w))
flush()
return {1}
