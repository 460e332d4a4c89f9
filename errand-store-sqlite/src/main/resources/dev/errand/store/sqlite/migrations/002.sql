-- Migration 2: queue flow limits, kept in the queues table beside the pause flag.
-- max_running caps the queue's RUNNING tasks; rate_per_second and burst make a token bucket whose level
-- is tokens as of tokens_at (microseconds on the store's clock). NULL means no such limit.

-- name: add_max_running
ALTER TABLE queues ADD COLUMN max_running INTEGER

-- name: add_rate_per_second
ALTER TABLE queues ADD COLUMN rate_per_second REAL

-- name: add_burst
ALTER TABLE queues ADD COLUMN burst INTEGER

-- name: add_tokens
ALTER TABLE queues ADD COLUMN tokens REAL

-- name: add_tokens_at
ALTER TABLE queues ADD COLUMN tokens_at INTEGER
