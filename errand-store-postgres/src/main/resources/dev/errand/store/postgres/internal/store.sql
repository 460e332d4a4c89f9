-- The PostgreSQL store's statements. {schema} is replaced once, at load time, by the validated schema
-- name; everything else is a bind parameter. Wake-ups go out on the channel {schema}_work with the queue
-- name as payload, from inside the writing statement, so they are sent if and only if it commits.
--
-- Data-modifying CTEs always run, but a plain SELECT CTE runs only if the main query reads it: each
-- "notified" CTE is therefore read by a one-time filter on the main query.

-- name: migrate_lock
-- Transaction-scoped, so a node that dies mid-migration cannot leave the lock held. The first key is
-- Errand's ("errn"), the second the schema's, so nodes of different schemas do not wait for each other.
SELECT pg_advisory_xact_lock(1701999214, hashtext('{schema}'))

-- name: migrate_create_schema
CREATE SCHEMA IF NOT EXISTS {schema}

-- name: migrate_create_version_table
CREATE TABLE IF NOT EXISTS {schema}.schema_version (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)

-- name: migrate_current_version
SELECT coalesce(max(version), 0) FROM {schema}.schema_version

-- name: migrate_record_version
INSERT INTO {schema}.schema_version (version, name) VALUES (?, ?)

-- name: insert_tasks
-- One round trip for the whole batch: one array per column. ON CONFLICT DO NOTHING (no target) skips a
-- row whose id or (queue, idempotency key) is taken, including by an earlier row of the same batch, which
-- the ORDER BY makes the one that wins. Waiting tasks wake waiters too: a new earliest run_at shortens
-- their wait. A task with a join count above zero is inserted WAITING.
--
-- The INSERT is the statement itself, not a CTE read by a final SELECT: its rows go straight out, where
-- a CTE kept them in a tuple store to be read twice (once to notify, once to answer). Each row that is
-- not leased notifies its queue from RETURNING (the notified column, which the store does not read);
-- PostgreSQL sends one notification per channel and payload per transaction, so a group of one queue
-- sends one, and a rolled-back insert none (PostgresWakeUpTest). RETURNING carries only what the database
-- decided (the state, the times, the lease); the caller has the rest (TaskRows.inserted). Together an
-- eighth less of the database's CPU per HTTP single enqueue (bench/README.md, "HTTP single enqueue on
-- PostgreSQL: the insert's rows go straight out").
--
-- The claiming CTE's placeholder below takes one of the two sections after this one (StoreSql):
-- insert_claiming, for an insert that may lease its task to an idle worker, or insert_not_claiming, for
-- every other insert. Without a worker the claiming CTE scanned nothing, but its larger plan still cost
-- its start and end on every execution: a sixth of a 15-row group's execution (bench/README.md, "HTTP
-- single enqueue on PostgreSQL").
WITH input AS (
  SELECT *
  FROM unnest(?::text[], ?::text[], ?::text[], ?::bytea[], ?::smallint[], ?::timestamptz[], ?::bigint[],
              ?::integer[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::integer[], ?::text[], ?::text[])
       WITH ORDINALITY AS i(id, queue, type, payload, priority, run_at, delay_micros,
                            max_attempts, backoff_base_nanos, backoff_cap_nanos, timeout_nanos,
                            idempotency_key, join_pending, kind, headers, ord)
),
resolved AS (
  SELECT i.*, coalesce(i.run_at, now() + i.delay_micros * interval '1 microsecond') AS due
  FROM input i
),
{claiming}
INSERT INTO {schema}.tasks (id, queue, type, payload, priority, state, attempt, max_attempts,
                            backoff_base_nanos, backoff_cap_nanos, timeout_nanos, idempotency_key,
                            run_at, created_at, join_pending, kind, headers,
                            lease_token, lease_until, worker_id, started_at)
SELECT r.id, r.queue, r.type, r.payload, r.priority,
       CASE WHEN c.id IS NOT NULL THEN 'RUNNING' WHEN r.join_pending > 0 THEN 'WAITING'
            WHEN r.due <= now() THEN 'READY' ELSE 'SCHEDULED' END,
       CASE WHEN c.id IS NOT NULL THEN 1 ELSE 0 END,
       r.max_attempts, r.backoff_base_nanos, r.backoff_cap_nanos, r.timeout_nanos, r.idempotency_key,
       r.due, now(), r.join_pending, r.kind, r.headers,
       CASE WHEN c.id IS NOT NULL THEN gen_random_uuid()::text END,
       now() + least(c.lease_micros, r.timeout_nanos / 1000 + c.grace_micros) * interval '1 microsecond',
       c.worker_id,
       CASE WHEN c.id IS NOT NULL THEN now() END
FROM resolved r LEFT JOIN claiming c ON c.id = r.id
ORDER BY r.ord
ON CONFLICT DO NOTHING
RETURNING id, state, attempt, run_at, created_at, started_at, lease_token, lease_until, worker_id,
          CASE WHEN state <> 'RUNNING' THEN pg_notify('{schema}_work', queue)::text END AS notified

-- name: insert_claiming
-- The CTEs insert_tasks runs for an insert that offers its one task to an idle worker of this process
-- (InsertRequest.claimFor), in its last four parameters: the task is inserted RUNNING with that worker's
-- lease, as its claim would lease it, when that claim would take it anyway: due now, not waiting, its
-- queue neither paused nor limited, and no READY or due task of the queue before it. Such a task wakes
-- no waiter. The queue is a parameter of its own so that the generic plan probes each index by it (as
-- the queue of the CTE's row, it scanned every queue's READY tasks for one of this queue's), and the
-- looks ahead are the first entry of each index in its order, which a plan reads one row of, where NOT
-- EXISTS let it build a bitmap of the whole queue (PostgresBacklogPlanTest).
claim_for AS (
  SELECT ?::text AS worker_id, ?::text AS queue, ?::bigint AS lease_micros, ?::bigint AS grace_micros
),
claiming AS (
  SELECT r.id, f.worker_id, f.lease_micros, f.grace_micros
  FROM resolved r, claim_for f
  WHERE r.queue = f.queue AND r.join_pending = 0 AND r.due <= now()
    AND NOT EXISTS (SELECT 1 FROM {schema}.queues q WHERE q.name = f.queue
                    AND (q.paused OR q.max_running IS NOT NULL OR q.rate_per_second IS NOT NULL))
    AND (SELECT t.id FROM {schema}.tasks t WHERE t.queue = f.queue AND t.state = 'READY'
         ORDER BY t.priority DESC, t.run_at, t.id LIMIT 1) IS NULL
    AND coalesce((SELECT min(t.run_at) FROM {schema}.tasks t
                  WHERE t.queue = f.queue AND t.state IN ('SCHEDULED', 'RETRYING')) > now(), true)
)

-- name: insert_not_claiming
-- The CTE insert_tasks runs for every other insert: no task is leased, and the statement has no
-- parameters after the columns' arrays.
claiming AS (
  SELECT NULL::text AS id, NULL::text AS worker_id, NULL::bigint AS lease_micros, NULL::bigint AS grace_micros
  WHERE false
)

-- name: select_conflicting
-- The tasks that kept a batch's rows out: by id, and by (queue, idempotency key). Run as a statement of
-- its own, after the insert, so that under READ COMMITTED it sees rows that a concurrent transaction
-- committed while the insert waited on them.
SELECT t.* FROM {schema}.tasks t WHERE t.id = ANY(?::text[])
UNION ALL
SELECT t.*
FROM unnest(?::text[], ?::text[]) AS k(queue, idempotency_key)
JOIN {schema}.tasks t ON t.queue = k.queue AND t.idempotency_key = k.idempotency_key

-- name: claim
-- One statement per batch. Two index-ordered candidate lists, each locked with SKIP LOCKED so that
-- concurrent claimers pass each other instead of queueing: READY tasks in claim order, and SCHEDULED and
-- RETRYING tasks whose time has come (earliest first). RUNNING tasks whose lease has expired are left to
-- sweep_expired_leases, which records the lost attempt. The best LIMIT of them are leased, each lease
-- capped at the task's timeout plus the grace (AttemptTimeout); due tasks that were locked but not chosen are promoted to READY, so a delayed backlog
-- coming due drains into the ready index a batch at a time (the due list takes a promotion batch, at
-- least the limit). A paused queue yields nothing. Lease times are the database's now(), never the
-- caller's clock.
--
-- A queue with flow limits is also locked by its row in queues (FOR UPDATE, only when it has limits, so
-- unlimited queues keep SKIP LOCKED speed): its claimers take turns, each one counting the live RUNNING
-- tasks with running_live (a fresh snapshot, taken after the lock, sees the previous claimer's commit)
-- and spending tokens from the row it locked, which is the latest version. The claim then leases no
-- more than the cap less the running tasks, nor more than the whole tokens in the bucket.
--
-- The outer LIMIT {claim_cap} of ready and due is a literal at least the claim's limit and its promotion
-- batch (StoreSql.claim), so it changes no result; it is there for the plan cache. A LIMIT given as a
-- parameter is guessed at a tenth of the table in a generic plan, which makes the generic plan look
-- far dearer than the custom ones, so PostgreSQL re-planned every claim (about 0.4 ms of the server's
-- CPU a claim, as much as executing a claim of 30 tasks). With the literal cap bounding the guess the
-- generic plan costs what the custom ones do and is kept after the first five executions, and its
-- shape stays the custom one's (nested loops over the primary key; PostgresBacklogPlanTest).
--
-- The claim commits without waiting for its WAL flush (synchronous_commit off for this statement's
-- transaction alone): a database crash may undo it, which leaves the task claimable again with the
-- attempt it had, as at-least-once delivery allows; the next synchronous commit flushes it. The flush
-- was most of a claim's time on a busy server.
-- Parameters: queue; queue; queue, limit; queue, promotion batch; limit; lease micros, grace micros,
-- worker id.
WITH async AS (
  SELECT set_config('synchronous_commit', 'off', true)
),
gate AS (
  SELECT NOT EXISTS (SELECT 1 FROM {schema}.queues WHERE name = ? AND paused) AS queue_open FROM async
),
limited AS (
  SELECT name, max_running, rate_per_second, burst,
         least(burst, tokens + rate_per_second
               * greatest(0, extract(epoch FROM now() - tokens_at))::double precision) AS tokens,
         greatest(tokens_at, now()) AS tokens_at
  FROM {schema}.queues
  WHERE name = ? AND (max_running IS NOT NULL OR rate_per_second IS NOT NULL)
  FOR UPDATE
),
allowance AS (
  SELECT greatest(0, least(CASE WHEN l.max_running IS NOT NULL
                                THEN l.max_running - {schema}.running_live(l.name) END,
                           floor(l.tokens)))::integer AS n
  FROM limited l
),
ready AS (
  SELECT * FROM (
    SELECT id, priority, run_at FROM {schema}.tasks
    WHERE queue = ? AND state = 'READY' AND (SELECT queue_open FROM gate)
    ORDER BY priority DESC, run_at, id
    LIMIT ?
    FOR UPDATE SKIP LOCKED
  ) r LIMIT {claim_cap}
),
due AS (
  SELECT * FROM (
    SELECT id, priority, run_at FROM {schema}.tasks
    WHERE queue = ? AND state IN ('SCHEDULED', 'RETRYING') AND run_at <= now() AND (SELECT queue_open FROM gate)
    ORDER BY run_at
    LIMIT ?
    FOR UPDATE SKIP LOCKED
  ) d LIMIT {claim_cap}
),
candidates AS (
  SELECT * FROM ready UNION ALL SELECT * FROM due
),
chosen AS (
  -- least() ignores a NULL: with no limits the allowance is empty and the claim's own limit holds.
  SELECT id FROM candidates ORDER BY priority DESC, run_at, id LIMIT least(?, (SELECT n FROM allowance))
),
spent AS (
  UPDATE {schema}.queues q SET tokens = l.tokens - (SELECT count(*) FROM chosen), tokens_at = l.tokens_at
  FROM limited l
  WHERE q.name = l.name AND l.rate_per_second IS NOT NULL
),
promoted AS (
  UPDATE {schema}.tasks t SET state = 'READY'
  FROM due
  WHERE t.id = due.id AND NOT EXISTS (SELECT 1 FROM chosen WHERE chosen.id = due.id)
)
UPDATE {schema}.tasks t
SET state = 'RUNNING',
    attempt = t.attempt + 1,
    lease_token = gen_random_uuid()::text,
    lease_until = now() + least(?, t.timeout_nanos / 1000 + ?) * interval '1 microsecond',
    worker_id = ?,
    started_at = now()
FROM chosen
WHERE t.id = chosen.id
RETURNING t.*

-- name: complete_tasks
-- One statement for the whole batch, each row fenced by its lease token: a row whose token is no longer
-- the task's current one matches nothing and is reported stale by its absence from the result. Kinds:
-- succeeded, retry, dead, release. Retries and releases wake waiters of their queues. A retry's or
-- death's error goes into the task's history in the same statement, so only an applied one is kept;
-- for successes those parts run on nothing and write nothing. The last parameter asks for the tasks as the
-- statement left them: the rows then carry every task column after the id, else those columns are null, so
-- that callers who hold the tasks already (the in-process runtime) get ids only.
--
-- The workflow step of the successes (migration 7) is in the same statement, so a batch that finishes
-- workflow nodes is still one round trip (as River and Oban complete a batch): the nodes close, the
-- pending edges leaving them resolve, each dependant's join counter drops once by its number of resolved
-- edges, each workflow's open count once by its number of closed nodes, and a workflow that reaches zero
-- ends (FAILED if it counted a failed node, migration 11) and releases its finally-node. Closing a node
-- and resolving its edges write nothing (migration 12): the task's fenced transition to final is the
-- once-only event, so the step reads the node and the pending edges leaving it, and the edges count as
-- resolved from then on because their parent is final. For a batch of plain tasks those parts find
-- nothing: one probe of workflow_nodes by primary key per task. The rows
-- this statement changes in tasks are disjoint (RUNNING tasks completed, WAITING dependants, WAITING
-- finally-nodes, which have no edges), as PostgreSQL requires of one statement. Dependants are locked in
-- id order, then workflows in id order (each waits for the lock before), as the transactional workflow
-- step does, so two batches wait for each other instead of deadlocking; under READ COMMITTED the second
-- then reads the counters the first left. A death of an open node (which may cancel dependants, down the
-- graph) is left to that step: with the seventh parameter true (the statement commits on its own) it is
-- not applied at all, and the caller completes it again in a transaction with the step; with it false it
-- is applied and open_workflow_node tells the caller to run the step.
WITH input AS (
  SELECT *
  FROM unnest(?::text[], ?::text[], ?::text[], ?::bytea[], ?::text[], ?::bigint[])
       AS c(id, lease_token, kind, result, error, delay_micros)
),
done AS (
  UPDATE {schema}.tasks t
  SET state = CASE c.kind
                WHEN 'succeeded' THEN 'SUCCEEDED'
                WHEN 'retry' THEN 'RETRYING'
                WHEN 'dead' THEN 'DEAD'
                WHEN 'release' THEN CASE WHEN c.delay_micros > 0 THEN 'SCHEDULED' ELSE 'READY' END
              END,
      attempt = CASE WHEN c.kind = 'release' THEN greatest(t.attempt - 1, 0) ELSE t.attempt END,
      -- A task released at once keeps its run_at, and so its place in line (as in every store).
      run_at = CASE WHEN c.kind = 'retry' OR (c.kind = 'release' AND c.delay_micros > 0)
                    THEN now() + c.delay_micros * interval '1 microsecond' ELSE t.run_at END,
      finished_at = CASE WHEN c.kind IN ('succeeded', 'dead') THEN now() END,
      result = CASE WHEN c.kind = 'succeeded' THEN c.result ELSE t.result END,
      last_error = CASE WHEN c.kind IN ('retry', 'dead') THEN c.error ELSE t.last_error END,
      lease_token = NULL,
      lease_until = NULL,
      worker_id = NULL
  FROM input c
  -- The fence is the token: a task holds one exactly while it runs (tasks_lease_iff_running). It says
  -- "lease_until IS NOT NULL", not "state = 'RUNNING'": that condition would let the planner walk the
  -- tasks_leased index (every running task) and compare each with every input row, the plan it picks
  -- once ANALYZE has seen few RUNNING rows, O(running x batch) per statement; this way each input row
  -- is one primary-key lookup whatever the statistics say.
  WHERE t.id = c.id AND t.lease_token = c.lease_token AND t.lease_until IS NOT NULL
    AND (NOT ?::boolean OR c.kind <> 'dead'
         OR NOT EXISTS (SELECT 1 FROM {schema}.workflow_nodes n WHERE n.task_id = t.id AND n.open))
  -- A subquery in RETURNING reads the row as the statement found it: the worker the update clears.
  -- The completion's kind is renamed: the task's own kind column (migration 5) comes with t.*.
  RETURNING t.*, c.kind AS outcome, c.error AS failure,
            CASE WHEN c.kind IN ('retry', 'dead') THEN (SELECT o.worker_id FROM {schema}.tasks o WHERE o.id = t.id) END
              AS failed_worker_id
),
recorded AS (
  -- With the attempt's heartbeats, if it had any (see extend_leases).
  INSERT INTO {schema}.task_errors (task_id, attempt, at, worker_id, error, heartbeats, heartbeat_first, heartbeat_last,
                                    claimed_at)
  SELECT id, attempt, now(), failed_worker_id, failure,
         CASE WHEN heartbeat_first >= started_at THEN heartbeats END,
         CASE WHEN heartbeat_first >= started_at THEN heartbeat_first END,
         CASE WHEN heartbeat_first >= started_at THEN heartbeat_last END, started_at
  FROM done WHERE outcome IN ('retry', 'dead')
),
trimmed AS (
  -- Keeps the newest 20 (AttemptError.KEPT_PER_TASK): the 19 newest this statement sees, and the new one.
  DELETE FROM {schema}.task_errors e
  USING done d
  WHERE d.outcome IN ('retry', 'dead') AND e.task_id = d.id
    AND e.seq <= (SELECT k.seq FROM {schema}.task_errors k WHERE k.task_id = d.id ORDER BY k.seq DESC OFFSET 19 LIMIT 1)
),
closed AS (
  -- The attached nodes of the tasks that succeeded now (a detached one, open false, counts nothing).
  SELECT n.task_id, n.workflow_id, n.is_finally
  FROM done d JOIN {schema}.workflow_nodes n ON n.task_id = d.id
  WHERE d.outcome = 'succeeded' AND n.open
),
resolved AS (
  SELECT e.child_id
  FROM closed c JOIN {schema}.workflow_edges e ON e.parent_id = c.task_id
  WHERE NOT e.resolved
),
joins_locked AS (
  SELECT t.id, j.n
  FROM {schema}.tasks t
  JOIN (SELECT child_id, count(*)::integer AS n FROM resolved GROUP BY child_id) j ON j.child_id = t.id
  WHERE t.state = 'WAITING'
  ORDER BY t.id
  FOR UPDATE OF t
),
released AS (
  UPDATE {schema}.tasks t
  SET join_pending = greatest(t.join_pending - l.n, 0),
      state = CASE WHEN t.join_pending > l.n THEN 'WAITING' WHEN t.run_at <= now() THEN 'READY' ELSE 'SCHEDULED' END,
      run_at = CASE WHEN t.join_pending > l.n THEN t.run_at ELSE greatest(t.run_at, now()) END
  FROM joins_locked l
  WHERE t.id = l.id AND t.state = 'WAITING'
  RETURNING t.queue, t.state
),
workflows_locked AS (
  SELECT w.id, c.n
  FROM {schema}.workflows w
  JOIN (SELECT workflow_id, count(*)::integer AS n FROM closed WHERE NOT is_finally GROUP BY workflow_id) c
    ON c.workflow_id = w.id
  WHERE w.state = 'RUNNING' AND (SELECT count(*) FROM released) >= 0 -- after the dependants' locks
  ORDER BY w.id
  FOR UPDATE OF w
),
ended AS (
  UPDATE {schema}.workflows w
  SET nodes_open = w.nodes_open - l.n,
      state = CASE
                WHEN w.nodes_open > l.n THEN 'RUNNING'
                WHEN w.cancel_requested THEN 'CANCELLED'
                WHEN w.nodes_failed > 0 THEN 'FAILED'
                ELSE 'SUCCEEDED'
              END,
      finished_at = CASE WHEN w.nodes_open > l.n THEN NULL ELSE now() END
  FROM workflows_locked l
  WHERE w.id = l.id AND w.state = 'RUNNING'
  RETURNING w.id, w.state
),
finally_nodes AS MATERIALIZED (
  -- Found from the workflows that ended (few), not from the WAITING tasks (maybe many).
  SELECT n.task_id
  FROM ended e JOIN {schema}.workflow_nodes n ON n.workflow_id = e.id AND n.is_finally
  WHERE e.state <> 'RUNNING'
),
finals AS (
  UPDATE {schema}.tasks t
  SET join_pending = 0,
      state = CASE WHEN t.run_at <= now() THEN 'READY' ELSE 'SCHEDULED' END,
      run_at = greatest(t.run_at, now())
  FROM finally_nodes f
  WHERE t.id = f.task_id AND t.state = 'WAITING'
  RETURNING t.queue
),
notified AS (
  SELECT pg_notify('{schema}_work', q.queue)
  FROM (SELECT queue FROM done WHERE outcome IN ('retry', 'release')
        UNION SELECT queue FROM released WHERE state <> 'WAITING'
        UNION SELECT queue FROM finals) q
)
SELECT d.id, task.*,
       -- Whether the caller has the workflow step to run: a death of a workflow node still open.
       d.outcome = 'dead' AND EXISTS (SELECT 1 FROM {schema}.workflow_nodes n WHERE n.task_id = d.id AND n.open)
         AS open_workflow_node
FROM done d
LEFT JOIN LATERAL (SELECT d.*) task ON ?::boolean
WHERE (SELECT count(*) FROM notified) >= 0

-- name: complete_successes
-- complete_tasks for a batch of successes whose caller needs no tasks back: a drain's every batch. What
-- complete_tasks does for a success is this update alone, unless the task is an open workflow node,
-- whose step complete_tasks runs; so this statement first looks for such a node among the batch and,
-- finding one, applies nothing and answers one row with a NULL id, and the caller runs complete_tasks.
-- The parts of complete_tasks that a success never uses (the error history, the notifications, the
-- workflow step's updates, the tasks read back) cost about a fifth of the database's time per drained
-- task there (bench/README.md, "PostgreSQL: a batch of successes completes in a statement of its own").
-- Fenced as complete_tasks is, by the token and lease_until; absent ids are stale. A batch holding an
-- open node costs this statement's look (no write) before complete_tasks: one round trip more, which the
-- workflow scenarios of errand bench did not show beside the runs' spread.
WITH input AS (
  SELECT * FROM unnest(?::text[], ?::text[], ?::bytea[]) AS c(id, lease_token, result)
),
nodes AS (
  SELECT EXISTS (SELECT 1 FROM input c JOIN {schema}.workflow_nodes n ON n.task_id = c.id WHERE n.open) AS found
),
done AS (
  UPDATE {schema}.tasks t
  SET state = 'SUCCEEDED',
      finished_at = now(),
      result = c.result,
      lease_token = NULL,
      lease_until = NULL,
      worker_id = NULL
  FROM input c
  WHERE t.id = c.id AND t.lease_token = c.lease_token AND t.lease_until IS NOT NULL
    AND NOT (SELECT found FROM nodes)
  RETURNING t.id
)
SELECT NULL::text AS id WHERE (SELECT found FROM nodes)
UNION ALL
SELECT id FROM done

-- name: decrement_joins
-- The join decrements of a batch's applied completions, run in the completions' transaction after them
-- and after their follow-up inserts. Each id counts as often as it is listed. Rows are locked in id
-- order before they are changed, so two batches that decrement the same joins wait for each other
-- instead of deadlocking; under READ COMMITTED the second then reads the counter the first left, so a
-- join reaches zero in exactly one transaction. Only WAITING tasks change: a cancelled join stays
-- cancelled. At zero a task becomes READY in line from now, or SCHEDULED if its due time is ahead, and
-- wakes its queue's waiters.
WITH input AS (
  SELECT id, count(*)::integer AS n FROM unnest(?::text[]) AS j(id) GROUP BY id
),
locked AS (
  SELECT t.id, i.n FROM {schema}.tasks t JOIN input i ON i.id = t.id
  WHERE t.state = 'WAITING'
  ORDER BY t.id
  FOR UPDATE OF t
),
released AS (
  UPDATE {schema}.tasks t
  SET join_pending = greatest(t.join_pending - l.n, 0),
      state = CASE WHEN t.join_pending > l.n THEN 'WAITING' WHEN t.run_at <= now() THEN 'READY' ELSE 'SCHEDULED' END,
      run_at = CASE WHEN t.join_pending > l.n THEN t.run_at ELSE greatest(t.run_at, now()) END
  FROM locked l
  WHERE t.id = l.id AND t.state = 'WAITING'
  RETURNING t.queue, t.state
),
notified AS (
  SELECT pg_notify('{schema}_work', q.queue) FROM (SELECT DISTINCT queue FROM released WHERE state <> 'WAITING') q
)
SELECT count(*) FROM released WHERE (SELECT count(*) FROM notified) >= 0

-- name: extend_leases
-- One statement for the whole batch, fenced by token; absent ids are stale. An attempt past its timeout
-- is not extended (stale too), and no lease runs past started_at + timeout + grace (AttemptTimeout), so
-- the timeout holds for remote workers on any node. Commits without waiting for its WAL flush, as claims
-- do: an extension a database crash undoes only lets a lease end sooner.
-- Progress a worker reports is kept under the same fence (NULL keeps what the task has).
-- Parameters: lease micros, grace micros, ids, tokens, progress values.
UPDATE {schema}.tasks t
SET lease_until = least(now() + ? * interval '1 microsecond',
                        t.started_at + (t.timeout_nanos / 1000 + ?) * interval '1 microsecond'),
    progress = coalesce(l.progress, t.progress),
    -- Counts the heartbeat (migration 10): the first of an attempt is one whose count is not of this start.
    heartbeats = CASE WHEN t.heartbeat_first >= t.started_at THEN t.heartbeats + 1 ELSE 1 END,
    heartbeat_first = CASE WHEN t.heartbeat_first >= t.started_at THEN t.heartbeat_first ELSE now() END,
    heartbeat_last = now()
FROM unnest(?::text[], ?::text[], ?::bytea[]) AS l(id, lease_token, progress), (SELECT set_config('synchronous_commit', 'off', true)) AS async
-- Fenced by the token (a running task's alone), not by state: see complete_tasks for why.
WHERE t.id = l.id AND t.lease_token = l.lease_token AND t.lease_until IS NOT NULL
  AND now() < t.started_at + t.timeout_nanos / 1000 * interval '1 microsecond'
RETURNING t.id, t.lease_until

-- name: sweep_expired_leases
-- Takes back leases that ran out on the database's clock, oldest first, in one statement: each row is
-- locked with SKIP LOCKED and updated fenced by state and token, so concurrent sweeps on many nodes (and
-- a completion racing the sweep) take each lease once. The lost attempt goes into the error history in
-- the same statement: timed out when the lease ended at the timeout (its cap), else expired. The task
-- becomes DEAD on its final attempt, RETRYING due now after a timeout, else READY with its run_at, and
-- so its place in line. Wakes waiters of the queues made claimable. Returns each swept row as it was
-- found, with where it went and the error. The scan reads tasks_leased, whose rows are the running
-- tasks only. Parameter: limit.
WITH expired AS (
  SELECT * FROM {schema}.tasks
  WHERE state = 'RUNNING' AND lease_until < now()
  ORDER BY lease_until
  LIMIT ?
  FOR UPDATE SKIP LOCKED
),
judged AS (
  SELECT x.*, x.attempt >= x.max_attempts AS exhausted,
         x.lease_until >= x.started_at + x.timeout_nanos / 1000 * interval '1 microsecond' AS timed_out
  FROM expired x
),
described AS (
  SELECT j.*,
         CASE WHEN j.timed_out THEN 'timed out after ' || (j.timeout_nanos / 1000000) || ' ms'
              ELSE 'lease expired on worker ' || coalesce(j.worker_id, 'unknown') END AS swept_error,
         CASE WHEN j.exhausted THEN 'DEAD' WHEN j.timed_out THEN 'RETRYING' ELSE 'READY' END AS swept_state
  FROM judged j
),
swept AS (
  UPDATE {schema}.tasks t
  SET state = d.swept_state,
      run_at = CASE WHEN d.swept_state = 'RETRYING' THEN now() ELSE t.run_at END,
      finished_at = CASE WHEN d.exhausted THEN now() END,
      last_error = d.swept_error,
      lease_token = NULL,
      lease_until = NULL,
      worker_id = NULL
  FROM described d
  WHERE t.id = d.id AND t.state = 'RUNNING' AND t.lease_token = d.lease_token
  RETURNING t.id
),
recorded AS (
  INSERT INTO {schema}.task_errors (task_id, attempt, at, worker_id, error, heartbeats, heartbeat_first, heartbeat_last,
                                    claimed_at)
  SELECT d.id, d.attempt, now(), d.worker_id, d.swept_error,
         CASE WHEN d.heartbeat_first >= d.started_at THEN d.heartbeats END,
         CASE WHEN d.heartbeat_first >= d.started_at THEN d.heartbeat_first END,
         CASE WHEN d.heartbeat_first >= d.started_at THEN d.heartbeat_last END, d.started_at
  FROM described d JOIN swept s ON s.id = d.id
),
trimmed AS (
  -- Keeps the newest 20 (AttemptError.KEPT_PER_TASK), as complete_tasks does.
  DELETE FROM {schema}.task_errors e
  USING swept s
  WHERE e.task_id = s.id
    AND e.seq <= (SELECT k.seq FROM {schema}.task_errors k WHERE k.task_id = s.id ORDER BY k.seq DESC OFFSET 19 LIMIT 1)
),
notified AS (
  SELECT pg_notify('{schema}_work', q.queue)
  FROM (SELECT DISTINCT d.queue FROM described d JOIN swept s ON s.id = d.id WHERE d.swept_state <> 'DEAD') q
)
SELECT d.* FROM described d JOIN swept s ON s.id = d.id
WHERE (SELECT count(*) FROM notified) >= 0

-- name: cancel_task
UPDATE {schema}.tasks
SET state = 'CANCELLED', finished_at = now(), lease_token = NULL, lease_until = NULL, worker_id = NULL
WHERE id = ? AND state IN ('WAITING', 'SCHEDULED', 'READY', 'RUNNING', 'RETRYING')
RETURNING *

-- name: workflow_insert
-- A workflow's row, first of its writes: a key another transaction holds makes this wait for that one,
-- then insert nothing (the caller reads the holder). Parameters: id, key, fingerprint, open nodes.
INSERT INTO {schema}.workflows (id, idempotency_key, fingerprint, state, nodes_open, created_at)
VALUES (?, ?, ?, 'RUNNING', ?, now())
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id

-- name: workflow_by_key
SELECT id, fingerprint FROM {schema}.workflows WHERE idempotency_key = ?

-- name: workflow_get
SELECT * FROM {schema}.workflows WHERE id = ?

-- name: workflow_nodes_insert
INSERT INTO {schema}.workflow_nodes (task_id, workflow_id, name, position, is_finally, open)
SELECT n.task_id, ?, n.name, n.position, n.is_finally, true
FROM unnest(?::text[], ?::text[], ?::integer[], ?::boolean[]) AS n(task_id, name, position, is_finally)

-- name: workflow_edges_insert
INSERT INTO {schema}.workflow_edges (child_id, position, parent_id, on_failure, resolved)
SELECT e.child_id, e.position, e.parent_id, e.on_failure, false
FROM unnest(?::text[], ?::integer[], ?::text[], ?::text[]) AS e(child_id, position, parent_id, on_failure)

-- name: workflow_node_list
-- Every node of a workflow in the order given, with its task's type and state (null once pruned).
SELECT n.task_id, n.name, n.is_finally, t.type, t.state
FROM {schema}.workflow_nodes n LEFT JOIN {schema}.tasks t ON t.id = n.task_id
WHERE n.workflow_id = ?
ORDER BY n.position

-- name: workflow_edge_list
-- Every edge of a workflow with its parent's name, by child and place among the child's parents.
SELECT e.child_id, e.on_failure, p.name
FROM {schema}.workflow_nodes c
JOIN {schema}.workflow_edges e ON e.child_id = c.task_id
JOIN {schema}.workflow_nodes p ON p.task_id = e.parent_id
WHERE c.workflow_id = ?
ORDER BY e.child_id, e.position

-- name: workflow_nodes_close
-- The nodes closed by the ends of the tasks listed second, which the calling transaction has just made
-- final, counted per workflow with those among the failed ones (listed first), the finally-node aside:
-- a task's fenced transition to final happens once (of two racing transactions, the second finds the
-- token or the state gone), so each node closes once with no write here (migration 12). Detached nodes
-- (open false) close nothing; tasks that are no node match nothing.
SELECT workflow_id, count(*)::integer, (count(*) FILTER (WHERE task_id = ANY(?::text[])))::integer
FROM {schema}.workflow_nodes
WHERE task_id = ANY(?::text[]) AND open AND NOT is_finally
GROUP BY workflow_id

-- name: workflow_edges_release
-- The edges resolved by the ends of the tasks listed, which succeeded now: the pending ones leaving them,
-- counted per dependant. Once the parent is final they count as resolved with no write (migration 12),
-- so each resolves once; a detached node's edges are marked resolved.
SELECT child_id, count(*)::integer FROM {schema}.workflow_edges
WHERE parent_id = ANY(?::text[]) AND NOT resolved
GROUP BY child_id

-- name: workflow_edges_resolve
-- As workflow_edges_release, for tasks that did not succeed: each edge with its policy.
SELECT parent_id, child_id, on_failure FROM {schema}.workflow_edges
WHERE parent_id = ANY(?::text[]) AND NOT resolved

-- name: workflow_cancel_waiting
-- Dependants whose failed parent's edge says fail: cancelled, each with its reason as last error.
UPDATE {schema}.tasks t
SET state = 'CANCELLED', finished_at = now(), last_error = i.reason
FROM unnest(?::text[], ?::text[]) AS i(id, reason)
WHERE t.id = i.id AND t.state = 'WAITING'
RETURNING t.id

-- name: workflow_close
-- Counts closed nodes off their workflows' open nodes, and those that did not succeed onto their failed
-- ones (migration 11); a workflow that reaches zero ends in the same statement: CANCELLED if it was
-- cancelled, FAILED if a node (the finally-node aside) did not succeed, else SUCCEEDED. Rows are locked
-- in id order first, so racing transactions wait for each other and the second reads the counts the
-- first left. Returns the finally-nodes of the workflows that ended, for the caller to release.
-- Parameters: workflow ids, closed counts, failed counts.
WITH input AS (
  SELECT * FROM unnest(?::text[], ?::integer[], ?::integer[]) AS i(id, n, failed)
),
locked AS (
  SELECT w.id, i.n, i.failed FROM {schema}.workflows w JOIN input i ON i.id = w.id
  WHERE w.state = 'RUNNING'
  ORDER BY w.id
  FOR UPDATE OF w
),
ended AS (
  UPDATE {schema}.workflows w
  SET nodes_open = w.nodes_open - l.n,
      nodes_failed = w.nodes_failed + l.failed,
      state = CASE
                WHEN w.nodes_open > l.n THEN 'RUNNING'
                WHEN w.cancel_requested THEN 'CANCELLED'
                WHEN w.nodes_failed + l.failed > 0 THEN 'FAILED'
                ELSE 'SUCCEEDED'
              END,
      finished_at = CASE WHEN w.nodes_open > l.n THEN NULL ELSE now() END
  FROM locked l
  WHERE w.id = l.id AND w.state = 'RUNNING'
  RETURNING w.id, w.state
)
SELECT n.task_id
FROM ended e JOIN {schema}.workflow_nodes n ON n.workflow_id = e.id AND n.is_finally
WHERE e.state <> 'RUNNING'

-- name: workflow_cancel_mark
UPDATE {schema}.workflows SET cancel_requested = true WHERE id = ? AND state = 'RUNNING'

-- name: workflow_cancel_nodes
-- Cancels what has not started of a workflow (the finally-node aside).
UPDATE {schema}.tasks
SET state = 'CANCELLED', finished_at = now(), last_error = 'workflow cancelled'
WHERE id IN (SELECT task_id FROM {schema}.workflow_nodes WHERE workflow_id = ? AND NOT is_finally)
  AND state IN ('WAITING', 'SCHEDULED', 'READY', 'RETRYING')
RETURNING id

-- name: workflow_parents
-- The listed tasks' parents in the order of their dependencies, with what they came to (null once pruned).
-- A finally-node has no edges: its parents are every other node of its workflow, in the order given.
SELECT x.child_id, x.name, x.parent_id, t.state, t.result, t.last_error
FROM (
  SELECT e.child_id, p.name, e.parent_id, e.position
  FROM {schema}.workflow_edges e
  JOIN {schema}.workflow_nodes p ON p.task_id = e.parent_id
  WHERE e.child_id = ANY(?::text[])
  UNION ALL
  SELECT f.task_id, p.name, p.task_id, p.position
  FROM {schema}.workflow_nodes f
  JOIN {schema}.workflow_nodes p ON p.workflow_id = f.workflow_id AND NOT p.is_finally
  WHERE f.task_id = ANY(?::text[]) AND f.is_finally
) x
LEFT JOIN {schema}.tasks t ON t.id = x.parent_id
ORDER BY x.child_id, x.position

-- name: workflow_nodes_closed
-- Of the tasks listed, replayed from DEAD (so their nodes had closed), the nodes (the finally-node aside)
-- of workflows not cancelled: the nodes a replay reopens.
SELECT n.task_id
FROM {schema}.workflow_nodes n JOIN {schema}.workflows w ON w.id = n.workflow_id
WHERE n.task_id = ANY(?::text[]) AND NOT n.is_finally AND NOT w.cancel_requested

-- name: workflow_nodes_detach
-- Of the tasks listed, replayed from DEAD, the attached nodes of cancelled workflows: they stay closed, so
-- they are detached (their end counts no more) and the edges leaving them stay resolved, said so now
-- since their parents run again (migration 12).
WITH detached AS (
  UPDATE {schema}.workflow_nodes n SET open = false
  FROM {schema}.workflows w
  WHERE n.task_id = ANY(?::text[]) AND n.open AND NOT n.is_finally AND w.id = n.workflow_id AND w.cancel_requested
  RETURNING n.task_id
),
edges AS (
  UPDATE {schema}.workflow_edges e SET resolved = true
  FROM detached d
  WHERE e.parent_id = d.task_id AND NOT e.resolved
  RETURNING e.child_id
)
SELECT (SELECT count(*) FROM detached) + (SELECT count(*) FROM edges)

-- name: workflow_edges_from
-- Every edge leaving the tasks listed, with whether it is resolved, its parent's state and its child's
-- state and last error. Resolved: it says so, or its parent's task is final (or pruned), or its parent is
-- one of the tasks just replayed (the first list), whose ends had resolved it (migration 12).
SELECT e.parent_id, e.child_id, e.on_failure,
       e.resolved OR p.state IS NULL OR p.state IN ('SUCCEEDED', 'DEAD', 'CANCELLED') OR e.parent_id = ANY(?::text[]),
       p.state, c.state, c.last_error
FROM {schema}.workflow_edges e
LEFT JOIN {schema}.tasks p ON p.id = e.parent_id
LEFT JOIN {schema}.tasks c ON c.id = e.child_id
WHERE e.parent_id = ANY(?::text[])

-- name: workflow_edges_into
-- Every edge entering the tasks listed, as workflow_edges_from (the replayed tasks first here too).
SELECT e.parent_id, e.child_id, e.on_failure,
       e.resolved OR p.state IS NULL OR p.state IN ('SUCCEEDED', 'DEAD', 'CANCELLED') OR e.parent_id = ANY(?::text[]),
       p.state, c.state, c.last_error
FROM {schema}.workflow_edges e
LEFT JOIN {schema}.tasks p ON p.id = e.parent_id
LEFT JOIN {schema}.tasks c ON c.id = e.child_id
WHERE e.child_id = ANY(?::text[])

-- name: workflow_reopen
-- A replay: the nodes listed first (every one closed) open again; of the edges leaving them, those to the
-- dependants listed second are pending again and the others stay resolved, said so now since their
-- parents run again (migration 12); those dependants WAIT again with as many joins pending as they have
-- pending edges (from a reopened node, or not said resolved and from a parent whose task has not ended);
-- and each workflow counts its reopened nodes back onto its open nodes and off its failed ones (every node
-- reopened had failed), runs again if it had ended, and its finally-node waits again unless it is running.
-- A node closed since migration 12 is still attached (open): it is reopened and counted all the same.
WITH reopened AS (
  UPDATE {schema}.workflow_nodes SET open = true
  WHERE task_id = ANY(?::text[]) AND NOT is_finally
  RETURNING task_id, workflow_id
),
edges AS (
  UPDATE {schema}.workflow_edges e SET resolved = NOT (e.child_id = ANY(?::text[]))
  FROM reopened r
  WHERE e.parent_id = r.task_id
  RETURNING e.child_id, e.resolved
),
revived AS (
  UPDATE {schema}.tasks t
  SET state = 'WAITING', finished_at = NULL, last_error = NULL,
      join_pending = (SELECT count(*) FROM {schema}.workflow_edges e JOIN {schema}.tasks p ON p.id = e.parent_id
                      WHERE e.child_id = t.id AND NOT e.resolved AND e.parent_id NOT IN (SELECT task_id FROM reopened)
                        AND p.state IN ('WAITING', 'SCHEDULED', 'READY', 'RUNNING', 'RETRYING'))
                     + (SELECT count(*) FROM edges p WHERE p.child_id = t.id AND NOT p.resolved)
  WHERE t.id = ANY(?::text[]) AND t.state = 'CANCELLED'
  RETURNING t.id
),
counted AS (
  UPDATE {schema}.workflows w
  SET nodes_open = w.nodes_open + r.n, nodes_failed = greatest(w.nodes_failed - r.n, 0),
      state = 'RUNNING', finished_at = NULL
  FROM (SELECT workflow_id, count(*)::integer AS n FROM reopened GROUP BY workflow_id) r
  WHERE w.id = r.workflow_id
  RETURNING w.id
),
rewaiting AS (
  UPDATE {schema}.tasks t
  SET state = 'WAITING', join_pending = 1, finished_at = NULL, result = NULL, last_error = NULL
  FROM {schema}.workflow_nodes n
  WHERE n.workflow_id IN (SELECT workflow_id FROM reopened) AND n.is_finally AND t.id = n.task_id
    AND t.state IN ('READY', 'SCHEDULED', 'RETRYING', 'SUCCEEDED', 'DEAD', 'CANCELLED')
  RETURNING t.id
)
SELECT (SELECT count(*) FROM revived) + (SELECT count(*) FROM counted) + (SELECT count(*) FROM rewaiting)

-- name: workflow_prune_ended
-- The rows of workflows that ended before the first parameter, at most the second; their tasks follow
-- their own retention.
WITH ended AS (
  SELECT id FROM {schema}.workflows WHERE state <> 'RUNNING' AND finished_at < ? ORDER BY finished_at LIMIT ?
),
nodes AS (
  DELETE FROM {schema}.workflow_nodes WHERE workflow_id IN (SELECT id FROM ended) RETURNING task_id
),
edges AS (
  DELETE FROM {schema}.workflow_edges WHERE child_id IN (SELECT task_id FROM nodes)
),
gone AS (
  DELETE FROM {schema}.workflows WHERE id IN (SELECT id FROM ended) RETURNING id
)
SELECT count(*) FROM gone

-- name: get_task
SELECT * FROM {schema}.tasks WHERE id = ?

-- name: task_errors
SELECT attempt, at, worker_id, error, heartbeats, heartbeat_first, heartbeat_last, claimed_at
FROM {schema}.task_errors WHERE task_id = ? ORDER BY seq

-- name: list_tasks
-- A page walks the primary key down from the cursor (the caller passes one above every id for a first
-- page, so the range is always an index condition) and reads at most a fixed number of rows, whatever
-- the filters: a selective search then returns a short page and the caller goes on from
-- list_scan_end. Parameters: cursor, read limit, then each filter twice (queue, state, type, created
-- after, created before), then the page limit plus one.
SELECT * FROM (SELECT * FROM {schema}.tasks WHERE id < ? ORDER BY id DESC LIMIT ?) w
WHERE (?::text IS NULL OR queue = ?)
  AND (?::text IS NULL OR state = ?)
  AND (?::text IS NULL OR type = ?)
  AND (?::timestamptz IS NULL OR created_at >= ?)
  AND (?::timestamptz IS NULL OR created_at < ?)
ORDER BY id DESC
LIMIT ?

-- name: list_scan_end
-- Where a short page's walk stopped: the lowest id of the rows below the cursor it read, and how many.
SELECT min(id) AS last, count(*) AS n FROM (SELECT id FROM {schema}.tasks WHERE id < ? ORDER BY id DESC LIMIT ?) w

-- name: list_candidates_ready
-- A search for one state that a walk of the table found few of reads that state's partial index (in
-- its order, so the planner walks it) when at most the given number of tasks are in it (one more tells
-- the caller there are more): the id, queue and type of each, which the caller filters and sorts, and
-- then reads the rows of, newest first, until the page is full.
SELECT id, queue, type FROM {schema}.tasks WHERE state = 'READY' ORDER BY queue, priority DESC, run_at, id LIMIT ?

-- name: list_candidates_waiting
SELECT id, queue, type FROM {schema}.tasks WHERE state IN ('SCHEDULED', 'RETRYING') AND state = ?
ORDER BY queue, run_at LIMIT ?

-- name: list_candidates_running
SELECT id, queue, type FROM {schema}.tasks WHERE state = 'RUNNING' ORDER BY queue, lease_until LIMIT ?

-- name: list_candidates_dead
SELECT id, queue, type FROM {schema}.tasks WHERE state = 'DEAD' ORDER BY queue, id LIMIT ?

-- name: list_candidates_joining
SELECT id, queue, type FROM {schema}.tasks WHERE state = 'WAITING' ORDER BY queue, id LIMIT ?

-- name: get_tasks
SELECT * FROM {schema}.tasks WHERE id = ANY(?::text[]) ORDER BY id DESC

-- name: list_due
-- The waiting tasks, soonest runAt first, for the dashboard: the queues that hold any, found by one probe
-- of tasks_waiting each (a skip scan), then the front of each queue's range, merged. Costs the number of
-- queues times the limit, never the number of waiting tasks. Parameters: queue, type (null for any), limit.
WITH RECURSIVE waiting_queues AS (
  (SELECT queue FROM {schema}.tasks WHERE state IN ('SCHEDULED', 'RETRYING') ORDER BY queue LIMIT 1)
  UNION ALL
  SELECT (SELECT t.queue FROM {schema}.tasks t
          WHERE t.state IN ('SCHEDULED', 'RETRYING') AND t.queue > w.queue ORDER BY t.queue LIMIT 1)
  FROM waiting_queues w WHERE w.queue IS NOT NULL
),
params AS (SELECT ?::text AS queue, ?::text AS type, ?::int AS n)
SELECT d.* FROM waiting_queues w CROSS JOIN params p
CROSS JOIN LATERAL (SELECT * FROM {schema}.tasks t
                    WHERE t.state IN ('SCHEDULED', 'RETRYING') AND t.queue = w.queue
                      AND (p.type IS NULL OR t.type = p.type)
                    ORDER BY t.run_at, t.id LIMIT p.n) d
WHERE w.queue IS NOT NULL AND (p.queue IS NULL OR w.queue = p.queue)
ORDER BY d.run_at, d.id
LIMIT (SELECT n FROM params)

-- name: queue_infos
-- Every queue's counts, flags and oldest ready task in one statement (one snapshot). Each state is
-- counted through its own partial index without the table, so the cost follows the tasks waiting,
-- running and dead, never the finished history; SUCCEEDED and CANCELLED are counted per queue up to a
-- bound (the parameter), a range of tasks_finished each, their queues found by one probe per queue.
-- The oldest ready task: the front of tasks_ready at each of the ten priorities, and the front of
-- tasks_waiting if it has come due.
WITH RECURSIVE finished_queues AS (
  (SELECT queue FROM {schema}.tasks WHERE state IN ('SUCCEEDED', 'CANCELLED') ORDER BY queue LIMIT 1)
  UNION ALL
  SELECT (SELECT t.queue FROM {schema}.tasks t
          WHERE t.state IN ('SUCCEEDED', 'CANCELLED') AND t.queue > f.queue ORDER BY t.queue LIMIT 1)
  FROM finished_queues f WHERE f.queue IS NOT NULL
),
counts AS (
  SELECT queue, 'READY'::text AS state, count(*) AS n FROM {schema}.tasks WHERE state = 'READY' GROUP BY queue
  UNION ALL
  SELECT queue, state, count(*) FROM {schema}.tasks WHERE state IN ('SCHEDULED', 'RETRYING') GROUP BY queue, state
  UNION ALL
  SELECT queue, 'RUNNING', count(*) FROM {schema}.tasks WHERE state = 'RUNNING' GROUP BY queue
  UNION ALL
  SELECT queue, 'DEAD', count(*) FROM {schema}.tasks WHERE state = 'DEAD' GROUP BY queue
  UNION ALL
  SELECT queue, 'WAITING', count(*) FROM {schema}.tasks WHERE state = 'WAITING' GROUP BY queue
  UNION ALL
  SELECT f.queue, 'SUCCEEDED', c.n
  FROM finished_queues f
  -- In the index's order, so the planner walks the queue's range of it rather than the table.
  CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM {schema}.tasks t
                                                 WHERE t.state IN ('SUCCEEDED', 'CANCELLED')
                                                   AND t.queue = f.queue AND t.state = 'SUCCEEDED'
                                                 ORDER BY t.finished_at LIMIT ?) x) c
  WHERE f.queue IS NOT NULL AND c.n > 0
  UNION ALL
  SELECT f.queue, 'CANCELLED', c.n
  FROM finished_queues f
  CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM {schema}.tasks t
                                                 WHERE t.state IN ('SUCCEEDED', 'CANCELLED')
                                                   AND t.queue = f.queue AND t.state = 'CANCELLED'
                                                 ORDER BY t.finished_at LIMIT ?) x) c
  WHERE f.queue IS NOT NULL AND c.n > 0
),
names AS (
  SELECT queue FROM counts UNION SELECT name FROM {schema}.queues
),
oldest AS (
  SELECT n.queue, least(
    (SELECT min(r.run_at) FROM generate_series(0, 9) AS p(priority)
     CROSS JOIN LATERAL (SELECT t.run_at FROM {schema}.tasks t
                         WHERE t.queue = n.queue AND t.state = 'READY' AND t.priority = p.priority
                         ORDER BY t.run_at LIMIT 1) r),
    (SELECT t.run_at FROM {schema}.tasks t
     WHERE t.queue = n.queue AND t.state IN ('SCHEDULED', 'RETRYING') AND t.run_at <= now()
     ORDER BY t.run_at LIMIT 1)) AS ready_at
  FROM names n
)
SELECT n.queue, c.state, c.n, coalesce(q.paused, false) AS paused, q.max_running, q.rate_per_second, q.burst,
       o.ready_at
FROM names n
LEFT JOIN counts c ON c.queue = n.queue
LEFT JOIN {schema}.queues q ON q.name = n.queue
LEFT JOIN oldest o ON o.queue = n.queue
ORDER BY 1

-- name: pause_queue
-- Resuming wakes the queue's waiters: its tasks may be claimable again.
WITH saved AS (
  INSERT INTO {schema}.queues (name, paused) VALUES (?, ?)
  ON CONFLICT (name) DO UPDATE SET paused = excluded.paused
  RETURNING name, paused
),
notified AS (
  SELECT pg_notify('{schema}_work', name) FROM saved WHERE NOT paused
)
SELECT name FROM saved WHERE (SELECT count(*) FROM notified) >= 0

-- name: limit_queue
-- Replaces the queue's limits and wakes its waiters. A new bucket starts full; a changed one keeps its
-- tokens, at most the new burst. Parameters: queue, max running, rate per second, burst.
WITH input AS (
  SELECT ?::text AS name, ?::integer AS max_running, ?::double precision AS rate_per_second, ?::integer AS burst
),
saved AS (
  INSERT INTO {schema}.queues AS q (name, max_running, rate_per_second, burst, tokens, tokens_at)
  SELECT name, max_running, rate_per_second, burst, burst, now() FROM input
  ON CONFLICT (name) DO UPDATE
  SET max_running = excluded.max_running, rate_per_second = excluded.rate_per_second, burst = excluded.burst,
      tokens = CASE WHEN excluded.burst IS NULL THEN NULL
                    WHEN q.tokens IS NULL THEN excluded.burst
                    ELSE least(q.tokens, excluded.burst) END,
      tokens_at = now()
  RETURNING name
),
notified AS (
  SELECT pg_notify('{schema}_work', name) FROM saved
)
SELECT name FROM saved WHERE (SELECT count(*) FROM notified) >= 0

-- name: replay_dead
WITH replayed AS (
  UPDATE {schema}.tasks
  SET state = 'READY', attempt = 0, run_at = now(), finished_at = NULL, result = NULL
  WHERE state = 'DEAD'
    AND (?::text IS NULL OR id = ?)
    AND (?::text IS NULL OR queue = ?)
    AND (?::text IS NULL OR type = ?)
  RETURNING id, queue
),
notified AS (
  SELECT pg_notify('{schema}_work', q.queue) FROM (SELECT DISTINCT queue FROM replayed) q
)
-- The ids replayed, for the workflow step that reopens their nodes in the same transaction.
SELECT id FROM replayed WHERE (SELECT count(*) FROM notified) >= 0

-- name: run_now
-- An operator runs waiting tasks now: READY, their attempt and errors kept; their queues woken.
WITH ran AS (
  UPDATE {schema}.tasks
  SET state = 'READY', run_at = now()
  WHERE state IN ('SCHEDULED', 'RETRYING')
    AND (?::text IS NULL OR id = ?)
    AND (?::text IS NULL OR queue = ?)
    AND (?::text IS NULL OR type = ?)
  RETURNING queue
),
notified AS (
  SELECT pg_notify('{schema}_work', q.queue) FROM (SELECT DISTINCT queue FROM ran) q
)
SELECT count(*) FROM ran WHERE (SELECT count(*) FROM notified) >= 0

-- name: purge_dead
-- A small batch per statement, so no purge holds many row locks for long; the tasks' error history goes
-- with them.
WITH gone AS (
  DELETE FROM {schema}.tasks
  WHERE id IN (
    SELECT id FROM {schema}.tasks
    WHERE state = 'DEAD'
      AND (?::text IS NULL OR id = ?)
      AND (?::text IS NULL OR queue = ?)
      AND (?::text IS NULL OR type = ?)
    LIMIT ?
    FOR UPDATE SKIP LOCKED
  )
  RETURNING id
),
history AS (
  DELETE FROM {schema}.task_errors WHERE task_id IN (SELECT id FROM gone)
)
SELECT count(*) FROM gone

-- name: prune_queues
-- The queues that hold finished tasks: one probe of tasks_finished per queue, however many tasks.
WITH RECURSIVE q AS (
  (SELECT queue FROM {schema}.tasks WHERE state IN ('SUCCEEDED', 'CANCELLED') ORDER BY queue LIMIT 1)
  UNION ALL
  SELECT (SELECT t.queue FROM {schema}.tasks t
          WHERE t.state IN ('SUCCEEDED', 'CANCELLED') AND t.queue > q.queue ORDER BY t.queue LIMIT 1)
  FROM q WHERE q.queue IS NOT NULL
)
SELECT queue FROM q WHERE queue IS NOT NULL

-- name: prune_finished
-- A small batch of one queue's tasks finished in one state, oldest first (a range of tasks_finished),
-- skipping rows another transaction holds; their error history goes with them. Parameters: queue,
-- state, finished before, limit.
WITH gone AS (
  DELETE FROM {schema}.tasks
  WHERE id IN (
    SELECT id FROM {schema}.tasks
    WHERE state IN ('SUCCEEDED', 'CANCELLED') AND queue = ? AND state = ? AND finished_at < ?
      -- A running workflow's results are kept until it ends (migration 7).
      AND NOT EXISTS (SELECT 1 FROM {schema}.workflow_nodes n JOIN {schema}.workflows w ON w.id = n.workflow_id
                      WHERE n.task_id = tasks.id AND w.state = 'RUNNING')
    ORDER BY finished_at
    LIMIT ?
    FOR UPDATE SKIP LOCKED
  )
  RETURNING id
),
history AS (
  DELETE FROM {schema}.task_errors WHERE task_id IN (SELECT id FROM gone)
)
SELECT count(*) FROM gone

-- name: next_due_micros
-- Microseconds from the database's now until the earliest moment work may become claimable in the queue
-- without a notification: a waiting task's run_at or, for a limited queue, its next look (an expired
-- lease becomes claimable only through a sweep, which notifies). Null when there is none or the queue is
-- paused. One index probe per kind. The queue is a plain parameter, four times: as an array's unnest (to
-- take several queues at once) a generic plan guessed ten rows where a custom plan saw one, so
-- PostgreSQL planned the statement afresh for every wait (0.2 - 0.4 ms against 0.03 ms of execution);
-- like this its generic plan is kept.
SELECT (extract(epoch FROM (min(n.at) - clock_timestamp())) * 1000000)::bigint
FROM (
  (SELECT t.run_at AS at FROM {schema}.tasks t
   WHERE t.queue = ? AND t.state IN ('SCHEDULED', 'RETRYING')
   ORDER BY t.run_at LIMIT 1)
  UNION ALL
  -- A limited queue with READY tasks may be held back by its cap or an empty bucket, and neither a freed
  -- slot nor a new token is notified: look again soon.
  (SELECT clock_timestamp() + interval '50 milliseconds' FROM {schema}.queues l
   WHERE l.name = ? AND (l.max_running IS NOT NULL OR l.rate_per_second IS NOT NULL)
     -- In claim order, so the probe walks tasks_ready (an EXISTS may be planned as a scan).
     AND (SELECT t.id FROM {schema}.tasks t WHERE t.queue = ? AND t.state = 'READY'
          ORDER BY t.priority DESC, t.run_at, t.id LIMIT 1) IS NOT NULL)
) n
WHERE NOT EXISTS (SELECT 1 FROM {schema}.queues p WHERE p.name = ? AND p.paused)

-- name: listen
LISTEN {schema}_work

-- name: ping
SELECT 1

-- name: schedule_put
-- Parameters: name, definition.
INSERT INTO {schema}.schedules AS s (name, definition, version, updated_at) VALUES (?, ?, 1, now())
ON CONFLICT (name) DO UPDATE
SET definition = excluded.definition, version = s.version + 1, updated_at = excluded.updated_at
RETURNING version, updated_at

-- name: schedule_delete
DELETE FROM {schema}.schedules WHERE name = ?

-- name: schedule_list
SELECT name, definition, version, updated_at FROM {schema}.schedules ORDER BY name

-- name: dead_groups
-- The newest dead tasks of a queue and a type (NULL for any) grouped by error line (DeadGroups.errorLine:
-- the first line, trimmed of spaces, tabs and carriage returns, at most 300 characters), queue and type,
-- with each group's latest death and the task that died then. Reads tasks_dead_finished newest first
-- (or tasks_dead for a queue), never the finished tasks. Parameters: queue twice, type twice, limit.
WITH newest AS (
  SELECT finished_at, coalesce(left(btrim(split_part(last_error, E'\n', 1), E' \t\r'), 300), '') AS error_line,
         queue, type, id
  FROM {schema}.tasks
  WHERE state = 'DEAD' AND (?::text IS NULL OR queue = ?) AND (?::text IS NULL OR type = ?)
  ORDER BY finished_at DESC
  LIMIT ?
)
SELECT error_line, queue, type, count(*) AS n, max(finished_at) AS last_died_at,
       (array_agg(id ORDER BY finished_at DESC))[1] AS newest
FROM newest
GROUP BY error_line, queue, type
