-- Migration 1: the task table, its indexes and the queue settings.
-- Each section is one statement; they run in file order inside one transaction.
-- Times are INTEGER microseconds since the epoch on the store's clock; durations are INTEGER nanoseconds.

-- name: create_tasks
-- WITHOUT ROWID: tasks are found and paged by id, and every secondary index then ends in id, so a
-- filtered list is already in id order and needs no sort.
CREATE TABLE tasks (
  id              TEXT    NOT NULL PRIMARY KEY,
  queue           TEXT    NOT NULL,
  type            TEXT    NOT NULL,
  payload         BLOB    NOT NULL,
  priority        INTEGER NOT NULL,
  state           TEXT    NOT NULL,
  attempt         INTEGER NOT NULL,
  max_attempts    INTEGER NOT NULL,
  backoff_base_ns INTEGER NOT NULL,
  backoff_cap_ns  INTEGER NOT NULL,
  timeout_ns      INTEGER NOT NULL,
  idempotency_key TEXT,
  run_at          INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  started_at      INTEGER,
  finished_at     INTEGER,
  lease_token     TEXT,
  lease_until     INTEGER,
  worker_id       TEXT,
  result          BLOB,
  last_error      TEXT
) WITHOUT ROWID

-- name: create_tasks_ready
-- The claim index: only READY tasks, in exactly the order a claim takes them.
CREATE INDEX tasks_ready ON tasks (queue, priority DESC, run_at, id) WHERE state = 'READY'

-- name: create_tasks_due
-- Delayed and retrying tasks by due time, so promoting the due ones costs a range scan of what is due,
-- however many millions wait further out.
CREATE INDEX tasks_due ON tasks (queue, run_at) WHERE state IN ('SCHEDULED', 'RETRYING')

-- name: create_tasks_leased
-- Running tasks by lease expiry, for rescuing expired leases and for the waiters' next wake-up.
CREATE INDEX tasks_leased ON tasks (queue, lease_until) WHERE state = 'RUNNING'

-- name: create_tasks_idempotency
CREATE UNIQUE INDEX tasks_idempotency ON tasks (queue, idempotency_key) WHERE idempotency_key IS NOT NULL

-- name: create_tasks_finished
-- Prune deletes the oldest finished tasks without scanning the rest.
CREATE INDEX tasks_finished ON tasks (finished_at) WHERE state IN ('SUCCEEDED', 'CANCELLED')

-- name: create_tasks_dead
-- The dead-letter queue, for replay and purge. There is deliberately no index on state alone or on
-- (queue, state): every claim and completion would rewrite two more index entries per task, a third of
-- the writer's work. Each state that a hot path looks for has its partial index above; counts and
-- state-filtered lists walk the table instead.
CREATE INDEX tasks_dead ON tasks (queue, type) WHERE state = 'DEAD'

-- name: create_queues
-- Queues an operator has paused (paused = 1) or paused and resumed (paused = 0).
CREATE TABLE queues (
  queue      TEXT    NOT NULL PRIMARY KEY,
  paused     INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID
