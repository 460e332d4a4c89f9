-- A page of tasks newest first (id descending) below the cursor ARGV[5]: filters queue ARGV[1],
-- state ARGV[2], type ARGV[3] ('' matches all), created in [ARGV[6], ARGV[7]) us ('' for open), at most
-- ARGV[4] tasks. It walks the narrowest index the filters allow (queue and state, state, queue, or all)
-- and reads at most ARGV[8] ids of it, so a page costs a bounded number of reads however many tasks
-- are kept. Returns {tasks, next cursor or false}: a cursor with a short page means the reads ran out
-- before the page filled.
local q, st, type, limit, before = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local after_us, before_us, budget = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local index = P .. 'all'
if q ~= '' and st ~= '' then
  index = P .. 'qs:' .. q .. ':' .. st
elseif st ~= '' then
  index = P .. 's:' .. st
elseif q ~= '' then
  index = P .. 'q:' .. q
end
local ids = redis.call('ZREVRANGEBYLEX', index, '(' .. before, '-', 'LIMIT', 0, budget)
local page = {}
for _, id in ipairs(ids) do
  local t = load(id)
  local cr = tonumber(t.cr)
  if (q == '' or t.q == q) and (st == '' or t.st == st) and (type == '' or t.type == type)
      and (after_us == nil or cr >= after_us) and (before_us == nil or cr < before_us) then
    if #page == limit then
      return {page, page[limit][1]}
    end
    page[#page + 1] = pack(t)
  end
end
if #ids == budget then
  return {page, ids[#ids]}
end
return {page, false}
