-- At most ARGV[3] SCHEDULED and RETRYING tasks, soonest runAt first (ties by id), of queue ARGV[1] or
-- all, of type ARGV[2] or any: read from the front of the index of waiting tasks, at most ARGV[4] ids.
local q, type, limit, budget = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local index = P .. 'due'
if q ~= '' then
  index = P .. 'd:' .. q
end
local out = {}
for _, id in ipairs(redis.call('ZRANGE', index, 0, budget - 1)) do
  local t = load(id)
  if type == '' or t.type == type then
    out[#out + 1] = pack(t)
    if #out == limit then
      break
    end
  end
end
return out
