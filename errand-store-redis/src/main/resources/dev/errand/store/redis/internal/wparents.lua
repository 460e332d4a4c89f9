-- The parents of each task ARGV names, in the order of its dependencies; a finally-node's are every
-- other node of its workflow, in the order given. Per task a list of {name, task id, state, result,
-- last error} (false where the parent's task was pruned or the field is absent); an empty list for a
-- task that is no node or has no dependencies.
local function parent(id)
  local t = redis.call('HMGET', P .. 't:' .. id, 'st', 'res', 'err')
  return {redis.call('HGET', P .. 'n:' .. id, 'nm'), id, t[1], t[2], t[3]}
end

local out = {}
for i, task in ipairs(ARGV) do
  local list = {}
  local n = redis.call('HMGET', P .. 'n:' .. task, 'w', 'fin', 'in')
  if n[2] == '1' then
    for _, id in ipairs(redis.call('LRANGE', P .. 'wn:' .. n[1], 0, -1)) do
      if id ~= task then
        list[#list + 1] = parent(id)
      end
    end
  elseif n[3] then
    for token in string.gmatch(n[3], '%S+') do
      list[#list + 1] = parent(string.sub(token, 2))
    end
  end
  out[i] = list
end
return out
