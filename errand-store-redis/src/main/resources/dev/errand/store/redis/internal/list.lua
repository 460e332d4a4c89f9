-- A page of tasks newest first (id descending) below the cursor ARGV[5]: filters queue ARGV[1],
-- state ARGV[2], type ARGV[3] ('' matches all), created in [ARGV[6], ARGV[7]) us ('' for open), at most
-- ARGV[4] tasks. Each queue's index is walked (of its state when one is given), and the ids below the
-- cursor are read from the queue's index alone or, across queues, merged from every queue's, sharing
-- a budget of ARGV[8] ids, so a page costs a bounded number of reads however many tasks are kept.
-- Returns {tasks, next cursor or false}: a cursor with a short page means the reads ran out before
-- the page filled.
local q, st, type, limit, before = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local after_us, before_us, budget = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local queues = {q}
if q == '' then
  queues = redis.call('SMEMBERS', P .. 'queues')
end
local each = math.max(limit + 1, math.floor(budget / math.max(1, #queues)))
local ids = {}
-- Below the highest id at which a queue's read stopped short, that queue may hold ids not read.
local floor
-- The highest n ids of queue name's RUNNING tasks below the cursor. They have no catalog index (see
-- common.lua): run:<name> holds them by lease expiry, never more than the leases held, and is read whole.
-- Byte order, as the lex indexes have it: Lua's < follows the server's locale, in which the cursor above
-- every id ('~') may sort first.
local function bytes_below(a, b)
  for k = 1, math.min(#a, #b) do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end
local function running_below(name, n)
  local read = {}
  for _, id in ipairs(redis.call('ZRANGE', P .. 'run:' .. name, 0, -1)) do
    if bytes_below(id, before) then
      read[#read + 1] = id
    end
  end
  table.sort(read, function(a, b) return a > b end)
  for k = #read, n + 1, -1 do
    read[k] = nil
  end
  return read
end
for _, name in ipairs(queues) do
  local read
  if st == 'RUNNING' then
    read = running_below(name, each)
  else
    local index = P .. 'q:' .. name
    if st ~= '' then
      index = P .. 'qs:' .. name .. ':' .. st
    end
    read = redis.call('ZREVRANGEBYLEX', index, '(' .. before, '-', 'LIMIT', 0, each)
  end
  for _, id in ipairs(read) do
    ids[#ids + 1] = id
  end
  if #read == each and (floor == nil or read[each] > floor) then
    floor = read[each]
  end
end
table.sort(ids, function(a, b) return a > b end)
local page = {}
for _, id in ipairs(ids) do
  if floor ~= nil and id < floor then
    break
  end
  local t = load(id)
  local cr = tonumber(t.cr)
  if (type == '' or t.type == type) and (after_us == nil or cr >= after_us) and (before_us == nil or cr < before_us) then
    if #page == limit then
      return {page, page[limit][1]}
    end
    page[#page + 1] = pack(t)
  end
end
if floor ~= nil then
  return {page, floor}
end
return {page, false}
