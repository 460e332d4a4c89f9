-- Statements of the SQLite store. Times are INTEGER microseconds since the epoch on the store's clock.
-- Statements that return tasks return whole rows (*): TaskRows reads them by column name.

-- name: schema_version_create
CREATE TABLE IF NOT EXISTS schema_version (
  version    INTEGER NOT NULL PRIMARY KEY,
  applied_at INTEGER NOT NULL
)

-- name: schema_version_current
SELECT coalesce(max(version), 0) FROM schema_version

-- name: schema_version_record
INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)

-- name: query_only
PRAGMA query_only = ON

-- name: ping
SELECT 1

-- name: tx_begin
-- IMMEDIATE: take the write lock at the start, so a group never fails half way on a busy upgrade.
BEGIN IMMEDIATE

-- name: tx_commit
COMMIT

-- name: tx_rollback
ROLLBACK

-- name: sync_full
-- Commits fsync the WAL (the writer connection opens so).
PRAGMA synchronous = FULL

-- name: sync_normal
-- Commits reach the operating system but are not synced; the next synced commit syncs them too.
PRAGMA synchronous = NORMAL

-- name: savepoint_begin
SAVEPOINT request

-- name: savepoint_release
RELEASE request

-- name: savepoint_rollback
ROLLBACK TO request

-- name: task_insert
-- DO NOTHING on any conflict (the id, or the queue's idempotency key): the caller then reads the holder.
INSERT INTO tasks (id, queue, type, payload, priority, state, attempt, max_attempts, backoff_base_ns,
                   backoff_cap_ns, timeout_ns, idempotency_key, run_at, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
ON CONFLICT DO NOTHING

-- name: task_get
SELECT * FROM tasks
WHERE id = ?1

-- name: task_get_by_idempotency_key
SELECT * FROM tasks
WHERE queue = ?1 AND idempotency_key = ?2

-- name: claim_promote_due
-- SCHEDULED and RETRYING tasks whose time has come become READY, the earliest first, a bounded number
-- per claim so one claim never rewrites a huge backlog that came due at once.
UPDATE tasks SET state = 'READY'
WHERE id IN (SELECT id FROM tasks
             WHERE state IN ('SCHEDULED', 'RETRYING') AND queue = ?1 AND run_at <= ?2
             ORDER BY run_at
             LIMIT ?3)

-- name: claim_rescue_expired
-- A RUNNING task whose lease ran out is READY again; clearing its token fences the old worker. The
-- claim that follows counts the new attempt. The lost attempt counts too: on the final one the task is
-- DEAD, so a task that kills its worker every time is not retried forever. (SET reads the old row.)
UPDATE tasks
SET state = CASE WHEN attempt >= max_attempts THEN 'DEAD' ELSE 'READY' END,
    finished_at = CASE WHEN attempt >= max_attempts THEN ?2 ELSE finished_at END,
    last_error = CASE WHEN attempt >= max_attempts
                 THEN 'lease expired on the final attempt: worker ' || coalesce(worker_id, 'unknown') || ' stopped answering'
                 ELSE last_error END,
    lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id IN (SELECT id FROM tasks
             WHERE state = 'RUNNING' AND queue = ?1 AND lease_until <= ?2
             LIMIT ?3)

-- name: claim_next_due
-- After a promote: when the queue's next delayed task comes due (ClaimHorizon). One index probe.
SELECT min(run_at) FROM tasks WHERE state IN ('SCHEDULED', 'RETRYING') AND queue = ?1

-- name: claim_next_expiry
-- After a rescue: when the queue's next lease runs out (ClaimHorizon). One index probe.
SELECT min(lease_until) FROM tasks WHERE state = 'RUNNING' AND queue = ?1

-- name: claim
-- randomblob draws from SQLite's ChaCha20 generator, seeded from the operating system: 128 random
-- bits per task, made in the same statement so a batch claim is one step.
UPDATE tasks
SET state = 'RUNNING', attempt = attempt + 1, started_at = ?3,
    lease_token = lower(hex(randomblob(16))), lease_until = ?4, worker_id = ?5
WHERE id IN (SELECT id FROM tasks
             WHERE state = 'READY' AND queue = ?1
               AND NOT EXISTS (SELECT 1 FROM queues WHERE queues.queue = ?1 AND queues.paused = 1)
             ORDER BY priority DESC, run_at, id
             LIMIT ?2)
RETURNING *

-- name: lease_extend
UPDATE tasks SET lease_until = ?3
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING'

-- name: complete_succeeded
UPDATE tasks
SET state = 'SUCCEEDED', result = ?3, finished_at = ?4, lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING'

-- name: complete_retry
UPDATE tasks
SET state = 'RETRYING', run_at = ?3, last_error = ?4, lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING'

-- name: complete_dead
UPDATE tasks
SET state = 'DEAD', last_error = ?3, finished_at = ?4, lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING'

-- name: complete_release_ready
-- The run_at is kept, so a released task keeps its place in line.
UPDATE tasks
SET state = 'READY', attempt = attempt - 1, lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING'

-- name: complete_release_later
UPDATE tasks
SET state = 'SCHEDULED', attempt = attempt - 1, run_at = ?3, lease_token = NULL, lease_until = NULL,
    worker_id = NULL
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING'

-- name: task_cancel
UPDATE tasks
SET state = 'CANCELLED', finished_at = ?2, lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id = ?1 AND state IN ('SCHEDULED', 'READY', 'RUNNING', 'RETRYING')
RETURNING *

-- name: dead_replay_by_id
UPDATE tasks SET state = 'READY', attempt = 0, run_at = ?4, finished_at = NULL, result = NULL
WHERE id = ?1 AND state = 'DEAD' AND (?2 IS NULL OR queue = ?2) AND (?3 IS NULL OR type = ?3)

-- name: dead_replay
UPDATE tasks SET state = 'READY', attempt = 0, run_at = ?3, finished_at = NULL, result = NULL
WHERE state = 'DEAD' AND (?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR type = ?2)

-- name: dead_purge_by_id
DELETE FROM tasks
WHERE id = ?1 AND state = 'DEAD' AND (?2 IS NULL OR queue = ?2) AND (?3 IS NULL OR type = ?3)

-- name: dead_purge
DELETE FROM tasks
WHERE state = 'DEAD' AND (?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR type = ?2)

-- name: prune
-- INDEXED BY: without statistics the planner would rather read every finished task by state and sort.
DELETE FROM tasks
WHERE id IN (SELECT id FROM tasks INDEXED BY tasks_finished
             WHERE state IN ('SUCCEEDED', 'CANCELLED') AND finished_at < ?1
             ORDER BY finished_at
             LIMIT ?2)

-- name: queue_set_paused
INSERT INTO queues (queue, paused, updated_at) VALUES (?1, ?2, ?3)
ON CONFLICT (queue) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at

-- name: queue_set_limits
-- A new bucket starts full; a changed one keeps its tokens, at most the new burst. (SET reads the old row.)
INSERT INTO queues (queue, paused, updated_at, max_running, rate_per_second, burst, tokens, tokens_at)
VALUES (?1, 0, ?2, ?3, ?4, ?5, ?5, ?2)
ON CONFLICT (queue) DO UPDATE
SET max_running = excluded.max_running, rate_per_second = excluded.rate_per_second, burst = excluded.burst,
    tokens = CASE WHEN excluded.burst IS NULL THEN NULL
                  WHEN queues.tokens IS NULL THEN excluded.burst
                  ELSE min(queues.tokens, excluded.burst) END,
    tokens_at = excluded.tokens_at, updated_at = excluded.updated_at

-- name: queue_limits
-- The claim's look at the queue's limits: one primary-key probe, no row when the queue has none.
SELECT max_running, rate_per_second, burst, tokens, tokens_at FROM queues
WHERE queue = ?1 AND (max_running IS NOT NULL OR rate_per_second IS NOT NULL)

-- name: queue_running_live
-- RUNNING tasks whose lease has not run out: what counts against a cap.
SELECT count(*) FROM tasks WHERE state = 'RUNNING' AND queue = ?1 AND lease_until > ?2

-- name: queue_spend_tokens
UPDATE queues SET tokens = ?2, tokens_at = ?3 WHERE queue = ?1

-- name: queue_counts
SELECT queue, state, count(*) AS n FROM tasks GROUP BY queue, state

-- name: queue_flags
SELECT queue, paused, max_running, rate_per_second, burst FROM queues

-- name: queue_outlook
-- What a waiter needs to know about one queue: whether it is paused or limited, whether anything is
-- claimable now, and when the next delayed task comes due or the next lease runs out. Each part is one
-- index probe.
SELECT EXISTS (SELECT 1 FROM queues WHERE queues.queue = ?1 AND queues.paused = 1) AS paused,
       EXISTS (SELECT 1 FROM queues WHERE queues.queue = ?1
               AND (max_running IS NOT NULL OR rate_per_second IS NOT NULL)) AS limited,
       EXISTS (SELECT 1 FROM tasks WHERE state = 'READY' AND queue = ?1) AS ready,
       (SELECT min(run_at) FROM tasks WHERE state IN ('SCHEDULED', 'RETRYING') AND queue = ?1) AS next_due,
       (SELECT min(lease_until) FROM tasks WHERE state = 'RUNNING' AND queue = ?1) AS next_expiry

-- name: schedule_put
INSERT INTO schedules (name, definition, version, updated_at) VALUES (?1, ?2, 1, ?3)
ON CONFLICT (name) DO UPDATE
SET definition = excluded.definition, version = schedules.version + 1, updated_at = excluded.updated_at
RETURNING version, updated_at

-- name: schedule_delete
DELETE FROM schedules WHERE name = ?1

-- name: schedule_list
SELECT name, definition, version, updated_at FROM schedules ORDER BY name

-- name: task_list
-- Walks the primary key down from the cursor and filters; ?1 is the cursor, and with none the caller
-- passes a string above every id, so the range always holds. No secondary index serves these filters
-- on purpose (see the schema): lists are for people and pages are small, claims are for machines.
SELECT * FROM tasks
WHERE id < ?1 AND (?2 IS NULL OR type = ?2) AND (?4 IS NULL OR queue = ?4) AND (?5 IS NULL OR state = ?5)
ORDER BY id DESC
LIMIT ?3
