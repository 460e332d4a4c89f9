-- Migration 10: each attempt's heartbeats, and the dead tasks' error lines in an index.
-- ADD COLUMN without a default rewrites no row.

-- name: add_heartbeats
-- How many extensions of the lease the attempt that started at started_at had, and the store's clock at
-- the first and the last (lease_extend). They belong to that attempt only while heartbeat_first >=
-- started_at: a claim writes nothing here (it stays as fast as it was), the next heartbeat starts over.
ALTER TABLE tasks ADD COLUMN heartbeats INTEGER

-- name: add_heartbeat_first
ALTER TABLE tasks ADD COLUMN heartbeat_first INTEGER

-- name: add_heartbeat_last
ALTER TABLE tasks ADD COLUMN heartbeat_last INTEGER

-- name: add_error_heartbeats
-- A failed attempt's heartbeats, copied from the task in the statement that records the failure.
ALTER TABLE task_errors ADD COLUMN heartbeats INTEGER

-- name: add_error_heartbeat_first
ALTER TABLE task_errors ADD COLUMN heartbeat_first INTEGER

-- name: add_error_heartbeat_last
ALTER TABLE task_errors ADD COLUMN heartbeat_last INTEGER

-- name: add_error_claimed_at
-- When the failed attempt was claimed (the task's started_at then), for the attempt timeline.
ALTER TABLE task_errors ADD COLUMN claimed_at INTEGER

-- name: create_tasks_dead_errors
-- The dead tasks newest first with each one's error line (DeadGroups.errorLine: the first line, trimmed
-- of spaces, tabs and carriage returns, at most 300 characters), its queue, type and id: dead_groups
-- reads only this index, however many tasks the table holds. Only DEAD rows are in it, so a claim or a
-- success writes nothing here. The expression must stay the same as dead_groups's, character for
-- character, for SQLite to read it from the index; state is there too, though every entry is DEAD,
-- because without it SQLite (3.50) reads each row of the table for the WHERE term: 10,000 row reads.
CREATE INDEX tasks_dead_errors ON tasks (
  finished_at,
  substr(trim(substr(last_error, 1, coalesce(nullif(instr(last_error, char(10)), 0) - 1, length(last_error))),
              char(32, 9, 13)), 1, 300),
  queue, type, id, state)
WHERE state = 'DEAD'
