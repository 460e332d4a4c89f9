-- Migration 4: every state counted through an index of it, and each task's error history.
-- No index here costs a claim or a completion anything more: the replaced indexes hold the same rows as
-- before, each entry a column wider, and no new index holds tasks.

-- name: drop_tasks_finished
DROP INDEX tasks_finished

-- name: create_tasks_finished
-- Finished tasks by queue and state: the queue counts read SUCCEEDED and CANCELLED per queue from here
-- (bounded, see queue_count_finished), and prune deletes each queue's oldest without scanning the rest.
CREATE INDEX tasks_finished ON tasks (queue, state, finished_at) WHERE state IN ('SUCCEEDED', 'CANCELLED')

-- name: drop_tasks_due
DROP INDEX tasks_due

-- name: create_tasks_due
-- As before, with the state last: the counts tell SCHEDULED from RETRYING without reading the table,
-- and claims still take the due tasks in run_at order from the front.
CREATE INDEX tasks_due ON tasks (queue, run_at, state) WHERE state IN ('SCHEDULED', 'RETRYING')

-- name: create_task_errors
-- One row per failed attempt (a retry, a death, a final lease that ran out), written in the transaction
-- of that outcome; seq counts up per task. At most 20 kept per task; deleted with the task.
CREATE TABLE task_errors (
  task_id   TEXT    NOT NULL,
  seq       INTEGER NOT NULL,
  attempt   INTEGER NOT NULL,
  at        INTEGER NOT NULL,
  worker_id TEXT,
  error     TEXT    NOT NULL,
  PRIMARY KEY (task_id, seq)
) WITHOUT ROWID
