-- Deletes DEAD tasks matching id ARGV[1], queue ARGV[2], type ARGV[3] ('' matches all), with their
-- error history and idempotency keys. Returns how many.
local found = matching({DEAD = true}, ARGV[1], ARGV[2], ARGV[3])
for _, t in ipairs(found) do
  forget(t)
end
flush()
return #found
