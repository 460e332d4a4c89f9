-- Deletes up to ARGV[2] SUCCEEDED and CANCELLED tasks that finished before ARGV[1] us. Returns how many.
local ids = redis.call('ZRANGEBYSCORE', P .. 'fin', '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  forget(load(id))
end
flush()
return #ids
