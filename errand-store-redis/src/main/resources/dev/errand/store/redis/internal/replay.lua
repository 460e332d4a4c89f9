-- DEAD tasks matching id ARGV[1], queue ARGV[2], type ARGV[3] ('' matches all) back to READY with
-- attempt 0, runnable now; their error history stays. Returns how many.
local now = int(now_us())
local found = matching({DEAD = true}, ARGV[1], ARGV[2], ARGV[3])
for _, t in ipairs(found) do
  apply(t, {st = 'READY', att = '0', run = now, fa = false, res = false})
  wake(t.q)
end
flush()
return #found
