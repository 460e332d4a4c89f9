-- Migration 6: WAITING tasks, inserted with a join counter above zero and never claimable until the
-- completions that follow-up-decrement it take it to zero. ADD COLUMN with a constant default rewrites
-- no row. The new index holds WAITING tasks only, so no claim or completion of a plain task writes to it.

-- name: add_join_pending
ALTER TABLE tasks ADD COLUMN join_pending INTEGER NOT NULL DEFAULT 0

-- name: create_tasks_joining
-- WAITING tasks by queue: the queue counts and the list of that state read them here, not the table.
-- Decrements find their tasks by primary key.
CREATE INDEX tasks_joining ON tasks (queue, type) WHERE state = 'WAITING'
