-- Inserts tasks, all in one script: ARGV holds 15 fields per task (id, queue, type, payload,
-- priority, max attempts, backoff base and cap in ns, timeout in ns, '=' .. idempotency key or '',
-- runAt in us or '', delay in us, join count, kind, headers JSON). A task whose id or idempotency key
-- is held keeps the task that holds it. Returns per task {created 0|1, task}.
local now = now_us()
local out = {}
for i = 1, #ARGV, INSERT_FIELDS do
  out[#out + 1] = insert_at(ARGV, i, now)
end
flush()
return out
