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

-- name: write_probe_create
-- Takes a new page, as an insert into a full database would; dropped again in the same transaction.
CREATE TABLE errand_write_probe (x)

-- name: write_probe_drop
DROP TABLE errand_write_probe

-- name: quick_check
-- One row 'ok', or one row per problem found. Checks pages and records but not index contents: fast enough
-- to run at every open.
PRAGMA quick_check

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
                   backoff_cap_ns, timeout_ns, idempotency_key, run_at, created_at, join_pending, kind, headers)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
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

-- name: claim_at_insert_open
-- Whether a claim of queue ?1 would take a task inserted now (?2) before any other (InsertRequest.claimFor):
-- the queue is neither paused nor limited, and holds no READY task and none due. Three index probes.
SELECT NOT EXISTS (SELECT 1 FROM queues WHERE queue = ?1
                   AND (paused = 1 OR max_running IS NOT NULL OR rate_per_second IS NOT NULL))
   AND NOT EXISTS (SELECT 1 FROM tasks WHERE state = 'READY' AND queue = ?1)
   AND NOT EXISTS (SELECT 1 FROM tasks WHERE state IN ('SCHEDULED', 'RETRYING') AND queue = ?1 AND run_at <= ?2)

-- name: claim_next_due
-- After a promote: when the queue's next delayed task comes due (ClaimHorizon). One index probe.
SELECT min(run_at) FROM tasks WHERE state IN ('SCHEDULED', 'RETRYING') AND queue = ?1

-- name: claim
-- randomblob draws from SQLite's ChaCha20 generator, seeded from the operating system: 128 random
-- bits per task, made in the same statement so a batch claim is one step. The lease is capped at the
-- task's timeout plus the grace (?6, AttemptTimeout). Expired leases are not taken here: only the sweep
-- (lease_sweep_*) takes them back, recording the lost attempt. It returns only the columns it did not set
-- itself (TaskRows.readClaimed knows the rest): SQLite keeps every returned row in a temporary table
-- before the first is read, and the driver reads each column with a native call or two: leaving out the
-- eight it knows took about 5% off the writer's time per task in a drain (bench/README.md).
UPDATE tasks
SET state = 'RUNNING', attempt = attempt + 1, started_at = ?3,
    lease_token = lower(hex(randomblob(16))), lease_until = min(?4, ?3 + timeout_ns / 1000 + ?6), worker_id = ?5
WHERE id IN (SELECT id FROM tasks
             WHERE state = 'READY' AND queue = ?1
               AND NOT EXISTS (SELECT 1 FROM queues WHERE queues.queue = ?1 AND queues.paused = 1)
             ORDER BY priority DESC, run_at, id
             LIMIT ?2)
RETURNING id, type, payload, priority, attempt, max_attempts, backoff_base_ns, backoff_cap_ns, timeout_ns,
          idempotency_key, run_at, created_at, lease_token, last_error, kind, headers, progress

-- name: lease_extend
-- Fenced by token; an attempt past its timeout is not extended, and no lease runs past started_at +
-- timeout + grace (?5, AttemptTimeout). ?4 is now. ?6 is the progress the worker reports, NULL to keep it.
-- Counts the heartbeat (migration 10): the first of an attempt is one whose count is not of this start.
UPDATE tasks SET lease_until = min(?3, started_at + timeout_ns / 1000 + ?5), progress = coalesce(?6, progress),
    heartbeats = CASE WHEN heartbeat_first >= started_at THEN heartbeats + 1 ELSE 1 END,
    heartbeat_first = CASE WHEN heartbeat_first >= started_at THEN heartbeat_first ELSE ?4 END,
    heartbeat_last = ?4
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING' AND ?4 < started_at + timeout_ns / 1000
RETURNING lease_until

-- name: lease_sweep_find
-- The leases that ran out by ?1: the rows lease_sweep_apply takes back in the same transaction. Reads
-- tasks_leased, the running tasks only, in its order (queue, then expiry): sorting by expiry alone would
-- need a temporary B-tree, and a sweep takes them all within a few calls anyway.
SELECT * FROM tasks
WHERE state = 'RUNNING' AND lease_until < ?1
LIMIT ?2

-- name: lease_sweep_apply
-- One swept lease, fenced by its token: READY (keeping run_at, so its place in line), RETRYING due now
-- (?4) after a timeout, or DEAD on the final attempt.
UPDATE tasks
SET state = ?3,
    run_at = CASE WHEN ?3 = 'RETRYING' THEN ?4 ELSE run_at END,
    finished_at = CASE WHEN ?3 = 'DEAD' THEN ?4 ELSE finished_at END,
    last_error = ?5, lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING'

-- name: complete_succeeded
UPDATE tasks
SET state = 'SUCCEEDED', result = ?3, finished_at = ?4, lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING'

-- name: complete_retry
UPDATE tasks
SET state = 'RETRYING', run_at = ?3, last_error = ?4, lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING'

-- name: task_error_record
-- The failure of a running attempt, recorded just before the statement that applies its outcome, in the
-- same transaction and fenced the same way: a stale token records nothing. Only retries and deaths run it.
-- The attempt's claim time and heartbeats go with it, if it had any (see lease_extend).
INSERT INTO task_errors (task_id, seq, attempt, at, worker_id, error, heartbeats, heartbeat_first, heartbeat_last,
                         claimed_at)
SELECT id, coalesce((SELECT max(e.seq) FROM task_errors e WHERE e.task_id = ?1), 0) + 1, attempt, ?3, worker_id, ?4,
       CASE WHEN heartbeat_first >= started_at THEN heartbeats END,
       CASE WHEN heartbeat_first >= started_at THEN heartbeat_first END,
       CASE WHEN heartbeat_first >= started_at THEN heartbeat_last END, started_at
FROM tasks
WHERE id = ?1 AND lease_token = ?2 AND state = 'RUNNING'

-- name: task_error_trim
-- Keeps a task's newest 20 errors (AttemptError.KEPT_PER_TASK).
DELETE FROM task_errors
WHERE task_id = ?1 AND seq <= (SELECT seq FROM task_errors WHERE task_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET 20)

-- name: task_errors
SELECT attempt, at, worker_id, error, heartbeats, heartbeat_first, heartbeat_last, claimed_at FROM task_errors
WHERE task_id = ?1
ORDER BY seq

-- name: task_errors_delete
DELETE FROM task_errors WHERE task_id = ?1

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

-- name: task_join_decrement
-- ?2 off the join counter of WAITING task ?1, in the transaction of the completions whose follow-ups
-- list it. At zero it becomes READY in line from now (?3), or SCHEDULED if its due time is ahead. A task
-- in any other state (cancelled, released before) is left alone. SET reads the old row.
UPDATE tasks
SET join_pending = max(join_pending - ?2, 0),
    state = CASE WHEN join_pending > ?2 THEN 'WAITING' WHEN run_at <= ?3 THEN 'READY' ELSE 'SCHEDULED' END,
    run_at = CASE WHEN join_pending > ?2 THEN run_at ELSE max(run_at, ?3) END
WHERE id = ?1 AND state = 'WAITING'
RETURNING queue, state, run_at

-- name: task_cancel
UPDATE tasks
SET state = 'CANCELLED', finished_at = ?2, lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id = ?1 AND state IN ('WAITING', 'SCHEDULED', 'READY', 'RUNNING', 'RETRYING')
RETURNING *

-- name: workflow_insert
-- A workflow's row, written with its tasks, nodes and edges in one transaction (migration 7).
INSERT INTO workflows (id, idempotency_key, fingerprint, state, cancel_requested, nodes_open, created_at)
VALUES (?1, ?2, ?3, 'RUNNING', 0, ?4, ?5)

-- name: workflow_by_key
SELECT id, fingerprint FROM workflows WHERE idempotency_key = ?1

-- name: workflow_get
SELECT * FROM workflows WHERE id = ?1

-- name: workflow_node_insert
INSERT INTO workflow_nodes (task_id, workflow_id, name, position, is_finally, open) VALUES (?1, ?2, ?3, ?4, ?5, 1)

-- name: workflow_edge_insert
INSERT INTO workflow_edges (child_id, position, parent_id, on_failure, resolved) VALUES (?1, ?2, ?3, ?4, 0)

-- name: workflow_node_list
-- Every node of workflow ?1 in the order given, with its task's type and state (null once pruned).
SELECT n.task_id, n.name, n.is_finally, t.type, t.state
FROM workflow_nodes n LEFT JOIN tasks t ON t.id = n.task_id
WHERE n.workflow_id = ?1
ORDER BY n.position

-- name: workflow_edge_list
-- Every edge of workflow ?1 with its parent's name, by child and place among the child's parents.
SELECT e.child_id, e.on_failure, p.name
FROM workflow_nodes c
JOIN workflow_edges e ON e.child_id = c.task_id
JOIN workflow_nodes p ON p.task_id = e.parent_id
WHERE c.workflow_id = ?1
ORDER BY e.child_id, e.position

-- name: workflow_any_running
-- Whether any workflow runs: one probe of workflows_running (migration 12).
SELECT EXISTS (SELECT 1 FROM workflows INDEXED BY workflows_running WHERE state = 'RUNNING')

-- name: workflow_nodes_close
-- The nodes closed by the ends of the tasks in the JSON array ?1, which the calling write has just made
-- final, counted per workflow with those among the failed ones (JSON array ?2), the finally-node aside: a
-- task's fenced transition to final happens once, so each node closes once with no write here
-- (migration 12). Detached nodes (open = 0) close nothing. One read for a batch, a row per workflow;
-- tasks that are no node match nothing. From the covering index workflow_nodes_closing, which the planner
-- would not pick over the unique primary key's without statistics.
SELECT workflow_id, count(*), sum(task_id IN (SELECT value FROM json_each(?2)))
FROM workflow_nodes INDEXED BY workflow_nodes_closing
WHERE task_id IN (SELECT value FROM json_each(?1)) AND open = 1 AND is_finally = 0
GROUP BY workflow_id

-- name: workflow_edges_release
-- The edges resolved by the ends of the tasks in the JSON array ?1, which succeeded now: those leaving
-- them that are pending, read through the partial index workflow_edges_pending, counted per dependant (a
-- chord's batch is one row). Once the parent is final they count as resolved with no write (migration
-- 12), so each resolves once, with its parent's end; a detached node's edges are marked resolved.
SELECT child_id, count(*) FROM workflow_edges
WHERE parent_id IN (SELECT value FROM json_each(?1)) AND resolved = 0
GROUP BY child_id

-- name: workflow_edges_resolve
-- As workflow_edges_release, for tasks that did not succeed: each edge with its policy.
SELECT parent_id, child_id, on_failure FROM workflow_edges
WHERE parent_id IN (SELECT value FROM json_each(?1)) AND resolved = 0

-- name: workflow_cancel_waiting
-- A dependant whose failed parent's edge says fail: cancelled with the reason ?3 as its last error.
UPDATE tasks SET state = 'CANCELLED', finished_at = ?2, last_error = ?3
WHERE id = ?1 AND state = 'WAITING'

-- name: workflow_close
-- Counts closed nodes off their workflows' open nodes and the failed ones among them onto their failed
-- nodes (migration 11), for every workflow of a step at once: ?1 is a JSON array of [id, closed, failed].
-- The write that reaches zero ends a workflow at ?2: CANCELLED if it was cancelled, FAILED if a node (the
-- finally-node aside) did not succeed, else SUCCEEDED. SET reads the old row. Returns the workflows that
-- ended; their finally-nodes are looked up apart (workflow_finally_node), once each.
UPDATE workflows
SET nodes_open = nodes_open - c.n,
    nodes_failed = nodes_failed + c.failed,
    state = CASE
              WHEN nodes_open > c.n THEN 'RUNNING'
              WHEN cancel_requested = 1 THEN 'CANCELLED'
              WHEN nodes_failed + c.failed > 0 THEN 'FAILED'
              ELSE 'SUCCEEDED'
            END,
    finished_at = CASE WHEN nodes_open > c.n THEN NULL ELSE ?2 END
FROM (SELECT value ->> 0 AS id, value ->> 1 AS n, value ->> 2 AS failed FROM json_each(?1)) AS c
WHERE workflows.id = c.id AND workflows.state = 'RUNNING'
RETURNING workflows.id, workflows.state

-- name: workflow_finally_node
-- The finally-node of workflow ?1, if it has one.
SELECT task_id FROM workflow_nodes WHERE workflow_id = ?1 AND is_finally = 1

-- name: workflow_cancel_mark
UPDATE workflows SET cancel_requested = 1 WHERE id = ?1 AND state = 'RUNNING'

-- name: workflow_cancel_nodes
-- Cancels what has not started of workflow ?1 (the finally-node aside), at ?2.
UPDATE tasks
SET state = 'CANCELLED', finished_at = ?2, last_error = 'workflow cancelled'
WHERE id IN (SELECT task_id FROM workflow_nodes WHERE workflow_id = ?1 AND is_finally = 0)
  AND state IN ('WAITING', 'SCHEDULED', 'READY', 'RETRYING')
RETURNING id

-- name: workflow_parents
-- Task ?1's parents in the order of its dependencies, with what they came to (null once pruned). A
-- finally-node has no edges: its parents are every other node of its workflow, in the order given.
SELECT p.name, e.parent_id, t.state, t.result, t.last_error, e.position
FROM workflow_edges e
JOIN workflow_nodes p ON p.task_id = e.parent_id
LEFT JOIN tasks t ON t.id = e.parent_id
WHERE e.child_id = ?1
UNION ALL
SELECT p.name, p.task_id, t.state, t.result, t.last_error, p.position
FROM workflow_nodes f
JOIN workflow_nodes p ON p.workflow_id = f.workflow_id AND p.is_finally = 0
LEFT JOIN tasks t ON t.id = p.task_id
WHERE f.task_id = ?1 AND f.is_finally = 1
ORDER BY 6

-- name: workflow_nodes_closed
-- Of the tasks in the JSON array ?1, replayed from DEAD (so their nodes had closed), the nodes (the
-- finally-node aside) of workflows not cancelled: the nodes a replay reopens.
SELECT n.task_id
FROM workflow_nodes n JOIN workflows w ON w.id = n.workflow_id
WHERE n.task_id IN (SELECT value FROM json_each(?1)) AND n.is_finally = 0
  AND w.cancel_requested = 0

-- name: workflow_nodes_detach
-- Of the tasks in the JSON array ?1, replayed from DEAD, the attached nodes of cancelled workflows: they
-- stay closed, so they are detached, and their end counts no more (migration 12). Returns them, for
-- workflow_edges_detach.
UPDATE workflow_nodes SET open = 0
WHERE task_id IN (SELECT value FROM json_each(?1)) AND open = 1 AND is_finally = 0
  AND workflow_id IN (SELECT id FROM workflows WHERE cancel_requested = 1)
RETURNING task_id

-- name: workflow_edges_detach
-- The edges leaving the detached nodes in the JSON array ?1 stay resolved though their parents run again.
UPDATE workflow_edges SET resolved = 1
WHERE parent_id IN (SELECT value FROM json_each(?1)) AND resolved = 0

-- name: workflow_edges_from
-- Every edge leaving the tasks in the JSON array ?1, with whether it is resolved, its parent's state and
-- its child's state and last error. Resolved: it says so, or its parent's task is final (or pruned), or
-- its parent is one of the tasks just replayed (JSON array ?2), whose ends had resolved it (migration 12).
SELECT e.parent_id, e.child_id, e.on_failure,
       e.resolved = 1 OR p.state IS NULL OR p.state IN ('SUCCEEDED', 'DEAD', 'CANCELLED')
         OR e.parent_id IN (SELECT value FROM json_each(?2)),
       p.state, c.state, c.last_error
FROM workflow_edges e
LEFT JOIN tasks p ON p.id = e.parent_id
LEFT JOIN tasks c ON c.id = e.child_id
WHERE e.parent_id IN (SELECT value FROM json_each(?1))

-- name: workflow_edges_into
-- Every edge entering the tasks in the JSON array ?1, as workflow_edges_from.
SELECT e.parent_id, e.child_id, e.on_failure,
       e.resolved = 1 OR p.state IS NULL OR p.state IN ('SUCCEEDED', 'DEAD', 'CANCELLED')
         OR e.parent_id IN (SELECT value FROM json_each(?2)),
       p.state, c.state, c.last_error
FROM workflow_edges e
LEFT JOIN tasks p ON p.id = e.parent_id
LEFT JOIN tasks c ON c.id = e.child_id
WHERE e.child_id IN (SELECT value FROM json_each(?1))

-- name: workflow_nodes_reopen
-- Opens again the nodes of the tasks in the JSON array ?1 (a replay), every one of them closed: each
-- counts again onto its workflow's open nodes and off its failed ones (workflow_reopen). A node closed
-- since migration 12 is still attached (open = 1): it is counted all the same.
UPDATE workflow_nodes SET open = 1
WHERE task_id IN (SELECT value FROM json_each(?1)) AND is_finally = 0
RETURNING workflow_id

-- name: workflow_edges_reopen
-- Of the edges leaving the reopened nodes (JSON array ?1), those to the revived dependants (JSON array ?2)
-- are pending again, and the others stay resolved: said so, since their parents run again (migration 12).
UPDATE workflow_edges SET resolved = CASE WHEN child_id IN (SELECT value FROM json_each(?2)) THEN 0 ELSE 1 END
WHERE parent_id IN (SELECT value FROM json_each(?1))

-- name: workflow_dependants_revive
-- The revived dependants (JSON array ?1), cancelled because of a node now replayed: WAITING again, with
-- as many joins pending as they have pending edges: not said resolved, from a reopened node (JSON array
-- ?2, whose edges workflow_edges_reopen set) or from a parent whose task has not ended (migration 12).
UPDATE tasks
SET state = 'WAITING', finished_at = NULL, last_error = NULL,
    join_pending = (SELECT count(*) FROM workflow_edges e LEFT JOIN tasks p ON p.id = e.parent_id
                    WHERE e.child_id = tasks.id AND e.resolved = 0
                      AND (e.parent_id IN (SELECT value FROM json_each(?2))
                           OR p.state IN ('WAITING', 'SCHEDULED', 'READY', 'RUNNING', 'RETRYING')))
WHERE id IN (SELECT value FROM json_each(?1)) AND state = 'CANCELLED'

-- name: workflow_reopen
-- Workflow ?1 has ?2 nodes open again that had failed: it runs again if it had ended (migration 11).
UPDATE workflows
SET nodes_open = nodes_open + ?2, nodes_failed = max(nodes_failed - ?2, 0), state = 'RUNNING', finished_at = NULL
WHERE id = ?1

-- name: workflow_finally_rewait
-- The finally-node of workflow ?1, which had ended and runs again: WAITING for the new end, unless it is
-- running now.
UPDATE tasks
SET state = 'WAITING', join_pending = 1, finished_at = NULL, result = NULL, last_error = NULL
WHERE id = (SELECT task_id FROM workflow_nodes WHERE workflow_id = ?1 AND is_finally = 1)
  AND state IN ('READY', 'SCHEDULED', 'RETRYING', 'SUCCEEDED', 'DEAD', 'CANCELLED')

-- name: workflow_prune_ended
-- Ended workflows that ended before ?1, at most ?2: their rows go; their tasks follow their own retention.
SELECT id FROM workflows WHERE state <> 'RUNNING' AND finished_at < ?1 ORDER BY finished_at LIMIT ?2

-- name: workflow_delete_edges
DELETE FROM workflow_edges WHERE child_id IN (SELECT task_id FROM workflow_nodes WHERE workflow_id = ?1)

-- name: workflow_delete_nodes
DELETE FROM workflow_nodes WHERE workflow_id = ?1

-- name: workflow_delete
DELETE FROM workflows WHERE id = ?1

-- name: dead_replay_by_id
UPDATE tasks SET state = 'READY', attempt = 0, run_at = ?4, finished_at = NULL, result = NULL
WHERE id = ?1 AND state = 'DEAD' AND (?2 IS NULL OR queue = ?2) AND (?3 IS NULL OR type = ?3)
RETURNING id

-- name: dead_replay
UPDATE tasks SET state = 'READY', attempt = 0, run_at = ?3, finished_at = NULL, result = NULL
WHERE state = 'DEAD' AND (?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR type = ?2)
RETURNING id

-- name: run_now_by_id
-- An operator runs a waiting task now: READY at the store's now (?4), its attempt and errors kept.
UPDATE tasks SET state = 'READY', run_at = ?4
WHERE id = ?1 AND state IN ('SCHEDULED', 'RETRYING') AND (?2 IS NULL OR queue = ?2) AND (?3 IS NULL OR type = ?3)

-- name: run_now
UPDATE tasks SET state = 'READY', run_at = ?3
WHERE state IN ('SCHEDULED', 'RETRYING') AND (?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR type = ?2)

-- name: dead_purge_by_id
DELETE FROM tasks
WHERE id = ?1 AND state = 'DEAD' AND (?2 IS NULL OR queue = ?2) AND (?3 IS NULL OR type = ?3)
RETURNING id

-- name: dead_purge
DELETE FROM tasks
WHERE state = 'DEAD' AND (?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR type = ?2)
RETURNING id

-- name: prune_queues
-- The queues that hold finished tasks: one probe of tasks_finished per queue, however many tasks. The
-- walk starts below every name ('' is none).
WITH RECURSIVE q(queue) AS (
  SELECT ''
  UNION ALL
  SELECT (SELECT t.queue FROM tasks t WHERE t.state IN ('SUCCEEDED', 'CANCELLED') AND t.queue > q.queue
          ORDER BY t.queue LIMIT 1)
  FROM q WHERE q.queue IS NOT NULL
)
SELECT queue FROM q WHERE queue <> ''

-- name: due_queues
-- The queues that hold SCHEDULED or RETRYING tasks: one probe of tasks_due per queue (a skip scan).
WITH RECURSIVE q(queue) AS (
  SELECT ''
  UNION ALL
  SELECT (SELECT t.queue FROM tasks t WHERE t.state IN ('SCHEDULED', 'RETRYING') AND t.queue > q.queue
          ORDER BY t.queue LIMIT 1)
  FROM q WHERE q.queue IS NOT NULL
)
SELECT queue FROM q WHERE queue <> ''

-- name: due_front
-- One queue's waiting tasks, soonest runAt first: the front of its range of tasks_due, in the index's
-- order (ties by id would sort each run of equal runAt), so nothing is sorted. ?2 is a type or null for
-- any, ?3 the limit. The caller merges the queues' fronts.
SELECT * FROM tasks
WHERE state IN ('SCHEDULED', 'RETRYING') AND queue = ?1 AND (?2 IS NULL OR type = ?2)
ORDER BY run_at
LIMIT ?3

-- name: prune
-- One queue's tasks finished in one state, oldest first: a range of tasks_finished. (The IN term is the
-- index's own predicate, which lets SQLite use it; INDEXED BY keeps it from reading the table instead.)
DELETE FROM tasks
WHERE id IN (SELECT id FROM tasks INDEXED BY tasks_finished
             WHERE state IN ('SUCCEEDED', 'CANCELLED') AND queue = ?1 AND state = ?2 AND finished_at < ?3
               -- A running workflow's results are kept until it ends (migration 7).
               AND NOT EXISTS (SELECT 1 FROM workflow_nodes n JOIN workflows w ON w.id = n.workflow_id
                               WHERE n.task_id = tasks.id AND w.state = 'RUNNING')
             ORDER BY finished_at
             LIMIT ?4)
RETURNING id

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

-- name: queue_count_ready
-- The queue counts: each state through its own partial index, read whole without the table (COVERING),
-- so their cost follows the tasks waiting, running and dead, never the finished history.
SELECT queue, count(*) AS n FROM tasks WHERE state = 'READY' GROUP BY queue

-- name: queue_count_waiting
SELECT queue, sum(state = 'SCHEDULED') AS scheduled, sum(state = 'RETRYING') AS retrying
FROM tasks WHERE state IN ('SCHEDULED', 'RETRYING') GROUP BY queue

-- name: queue_count_running
SELECT queue, count(*) AS n FROM tasks WHERE state = 'RUNNING' GROUP BY queue

-- name: queue_count_dead
SELECT queue, count(*) AS n FROM tasks WHERE state = 'DEAD' GROUP BY queue

-- name: queue_count_joining
SELECT queue, count(*) AS n FROM tasks INDEXED BY tasks_joining WHERE state = 'WAITING' GROUP BY queue

-- name: queue_count_finished
-- Finished tasks pile up by the million: each queue's are counted up to a bound (?3), a range of
-- tasks_finished. The queues come from prune_queues.
SELECT count(*) FROM (SELECT 1 FROM tasks
                      WHERE state IN ('SUCCEEDED', 'CANCELLED') AND queue = ?1 AND state = ?2
                      LIMIT ?3)

-- name: queue_oldest_ready
-- The runAt of the queue's longest-waiting task that may run now: the front of tasks_ready at each of
-- the ten priorities, and the front of tasks_due if it has come due. Eleven index probes.
WITH p(priority) AS (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))
SELECT min(coalesce(
         (SELECT min((SELECT run_at FROM tasks
                      WHERE state = 'READY' AND queue = ?1 AND priority = p.priority
                      ORDER BY run_at LIMIT 1)) FROM p),
         9223372036854775807),
       coalesce(
         (SELECT run_at FROM tasks
          WHERE state IN ('SCHEDULED', 'RETRYING') AND queue = ?1 AND run_at <= ?2
          ORDER BY run_at LIMIT 1),
         9223372036854775807)) AS oldest

-- name: queue_flags
SELECT queue, paused, max_running, rate_per_second, burst FROM queues

-- name: queue_outlook
-- What a waiter needs to know about one queue: whether it is paused or limited, whether anything is
-- claimable now, and when the next delayed task comes due. Each part is one index probe. (An expired
-- lease becomes claimable only through a sweep, whose commit wakes waiters.)
SELECT EXISTS (SELECT 1 FROM queues WHERE queues.queue = ?1 AND queues.paused = 1) AS paused,
       EXISTS (SELECT 1 FROM queues WHERE queues.queue = ?1
               AND (max_running IS NOT NULL OR rate_per_second IS NOT NULL)) AS limited,
       EXISTS (SELECT 1 FROM tasks WHERE state = 'READY' AND queue = ?1) AS ready,
       (SELECT min(run_at) FROM tasks WHERE state IN ('SCHEDULED', 'RETRYING') AND queue = ?1) AS next_due

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
-- A page walks the primary key down from the cursor ?1 (with none the caller passes a string above
-- every id) and reads at most ?6 rows, whatever the filters: a selective search then returns a short
-- page and the caller goes on from task_list_scan_end. Only matching rows are read whole.
SELECT t.* FROM (SELECT id, queue, type, state, created_at FROM tasks
                 WHERE id < ?1 ORDER BY id DESC LIMIT ?6) w
JOIN tasks t ON t.id = w.id
WHERE (?2 IS NULL OR w.type = ?2) AND (?4 IS NULL OR w.queue = ?4) AND (?5 IS NULL OR w.state = ?5)
  AND (?7 IS NULL OR w.created_at >= ?7) AND (?8 IS NULL OR w.created_at < ?8)
ORDER BY w.id DESC
LIMIT ?3

-- name: task_list_scan_end
-- Where a short page's walk stopped: the lowest id of the ?2 rows below the cursor, and how many there were.
SELECT min(id) AS last, count(*) AS n FROM (SELECT id FROM tasks WHERE id < ?1 ORDER BY id DESC LIMIT ?2)

-- name: task_list_ready
-- A search for one state that a walk of the table found few of reads that state's partial index when at
-- most ?1 tasks are in it (one more tells the caller there are more): the id, queue and type of each,
-- which the caller filters and sorts, and then reads the rows of, newest first, until the page is full.
SELECT id, queue, type FROM tasks INDEXED BY tasks_ready WHERE state = 'READY' LIMIT ?1

-- name: task_list_waiting
SELECT id, queue, type FROM tasks INDEXED BY tasks_due WHERE state IN ('SCHEDULED', 'RETRYING') AND state = ?2 LIMIT ?1

-- name: task_list_running
SELECT id, queue, type FROM tasks INDEXED BY tasks_leased WHERE state = 'RUNNING' LIMIT ?1

-- name: task_list_dead
SELECT id, queue, type FROM tasks INDEXED BY tasks_dead WHERE state = 'DEAD' LIMIT ?1

-- name: task_list_joining
SELECT id, queue, type FROM tasks INDEXED BY tasks_joining WHERE state = 'WAITING' LIMIT ?1

-- name: dead_groups
-- The newest ?3 dead tasks of queue ?1 and type ?2 (NULL for any) grouped by error line, queue and type,
-- read from tasks_dead_errors alone (its expression, as written there). SQLite takes the id of a bare
-- column from the row that gave max(finished_at): the group's newest. The counts add up to how many
-- were read.
WITH newest AS (
  SELECT finished_at,
         substr(trim(substr(last_error, 1, coalesce(nullif(instr(last_error, char(10)), 0) - 1, length(last_error))),
                     char(32, 9, 13)), 1, 300) AS error_line,
         queue, type, id
  FROM tasks INDEXED BY tasks_dead_errors
  WHERE state = 'DEAD' AND (?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR type = ?2)
  ORDER BY finished_at DESC
  LIMIT ?3
)
SELECT error_line, queue, type, count(*) AS n, max(finished_at) AS last_died_at, id FROM newest
GROUP BY error_line, queue, type
