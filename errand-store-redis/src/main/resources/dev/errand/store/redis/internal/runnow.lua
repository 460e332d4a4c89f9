-- SCHEDULED and RETRYING tasks matching id ARGV[1], queue ARGV[2], type ARGV[3] ('' matches all) to
-- READY, runnable now, keeping their attempt. Returns how many.
local now = int(now_us())
local found = matching({SCHEDULED = true, RETRYING = true}, ARGV[1], ARGV[2], ARGV[3])
for _, t in ipairs(found) do
  apply(t, {st = 'READY', run = now})
  wake(t.q)
end
flush()
return #found
