-- Numbered schema migrations, applied in file order by Migrator under a transaction-scoped advisory
-- lock, each recorded in {schema}.schema_version. A section's name starts with its version number.
-- Never edit a migration that has shipped: add the next number.

-- name: 1_tasks_and_queues
-- Text columns that are compared or sorted use the "C" collation, so the database orders ids the way
-- Java's String.compareTo does (and compares bytes, which is faster than any locale).
-- Payloads and results are bytea: the bytes a producer sent are stored and returned unchanged.
-- Durations are nanoseconds, as java.time.Duration holds them.
CREATE TABLE {schema}.tasks (
  id                 text COLLATE "C" PRIMARY KEY,
  queue              text COLLATE "C" NOT NULL,
  type               text COLLATE "C" NOT NULL,
  payload            bytea NOT NULL,
  priority           smallint NOT NULL CHECK (priority BETWEEN 0 AND 9),
  state              text NOT NULL CHECK (state IN
                       ('SCHEDULED', 'READY', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'DEAD', 'CANCELLED')),
  attempt            integer NOT NULL DEFAULT 0,
  max_attempts       integer NOT NULL,
  backoff_base_nanos bigint NOT NULL,
  backoff_cap_nanos  bigint NOT NULL,
  timeout_nanos      bigint NOT NULL,
  idempotency_key    text COLLATE "C",
  run_at             timestamptz NOT NULL,
  created_at         timestamptz NOT NULL,
  started_at         timestamptz,
  finished_at        timestamptz,
  lease_token        text,
  lease_until        timestamptz,
  worker_id          text,
  result             bytea,
  last_error         text,
  -- A lease exists exactly while the task runs: the invariant the fencing relies on.
  CONSTRAINT tasks_lease_iff_running CHECK ((state = 'RUNNING') = (lease_token IS NOT NULL AND lease_until IS NOT NULL))
);

-- Claims walk this index in claim order and stop after LIMIT rows; it holds only READY tasks, so a large
-- delayed backlog costs a claim nothing.
CREATE INDEX tasks_ready ON {schema}.tasks (queue, priority DESC, run_at, id) WHERE state = 'READY';

-- Delayed and retrying tasks by due time: claims take (and promote) the due ones from the front, and
-- awaitWork reads the earliest run_at per queue.
CREATE INDEX tasks_waiting ON {schema}.tasks (queue, run_at) WHERE state IN ('SCHEDULED', 'RETRYING');

-- Running tasks by lease expiry: expired leases are claimed again from the front.
CREATE INDEX tasks_leased ON {schema}.tasks (queue, lease_until) WHERE state = 'RUNNING';

-- Pruning deletes the oldest finished tasks in small batches.
CREATE INDEX tasks_finished ON {schema}.tasks (finished_at) WHERE state IN ('SUCCEEDED', 'CANCELLED');

-- The dead-letter queue is small; replay and purge find it without scanning the table.
CREATE INDEX tasks_dead ON {schema}.tasks (queue, id) WHERE state = 'DEAD';

-- Enqueue dedup: one task per (queue, key) among the tasks still held. Inserts use ON CONFLICT DO NOTHING,
-- so concurrent enqueues with one key make one task.
CREATE UNIQUE INDEX tasks_idempotency ON {schema}.tasks (queue, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE {schema}.queues (
  name   text COLLATE "C" PRIMARY KEY,
  paused boolean NOT NULL DEFAULT false
);

-- name: 2_queue_limits
-- Flow limits beside the pause flag: max_running caps the queue's RUNNING tasks; rate_per_second and
-- burst make a token bucket whose level is tokens as of tokens_at. NULL means no such limit.
ALTER TABLE {schema}.queues
  ADD COLUMN max_running integer CHECK (max_running > 0),
  ADD COLUMN rate_per_second double precision CHECK (rate_per_second > 0),
  ADD COLUMN burst integer CHECK (burst > 0),
  ADD COLUMN tokens double precision,
  ADD COLUMN tokens_at timestamptz,
  ADD CONSTRAINT queues_rate_with_burst CHECK ((rate_per_second IS NULL) = (burst IS NULL));

-- The queue's RUNNING tasks whose lease has not run out. VOLATILE and plpgsql on purpose: under READ
-- COMMITTED its query takes a fresh snapshot, so a claim that waited for the queue's row lock counts the
-- tasks that the claimer before it committed, which the claim statement's own snapshot cannot see.
CREATE FUNCTION {schema}.running_live(queue_name text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN (SELECT count(*) FROM {schema}.tasks t
          WHERE t.queue = queue_name AND t.state = 'RUNNING' AND t.lease_until >= now());
END
$$;

-- name: 3_schedules
-- Schedule definitions kept in the store, so that they outlive every node and every node runs them.
-- definition is the schedule's JSON as core wrote it, stored as given (bytea, like payloads); version
-- counts the puts of the name; updated_at is the database's clock.
CREATE TABLE {schema}.schedules (
  name       text COLLATE "C" PRIMARY KEY,
  definition bytea NOT NULL,
  version    bigint NOT NULL CHECK (version > 0),
  updated_at timestamptz NOT NULL
);

-- name: 4_state_indexes_and_error_history
-- Every state counted through an index of it, and each task's error history. No claim or completion
-- writes an index entry more than before: the two replaced indexes hold the same rows, a column wider.
--
-- Finished tasks by queue and state: the queue counts read SUCCEEDED and CANCELLED per queue from here
-- (bounded), and pruning deletes each queue's oldest without reading the others.
DROP INDEX {schema}.tasks_finished;
CREATE INDEX tasks_finished ON {schema}.tasks (queue, state, finished_at) WHERE state IN ('SUCCEEDED', 'CANCELLED');

-- As before with the state last, so the counts tell SCHEDULED from RETRYING from the index alone.
DROP INDEX {schema}.tasks_waiting;
CREATE INDEX tasks_waiting ON {schema}.tasks (queue, run_at, state) WHERE state IN ('SCHEDULED', 'RETRYING');

-- One row per failed attempt (a retry, a death, a final lease that ran out), written by the statement
-- that records the outcome; at most 20 kept per task, deleted with it. No foreign key: its check would
-- lock the task row a second time in the completing statement, for nothing the statements do not keep.
CREATE TABLE {schema}.task_errors (
  task_id   text COLLATE "C" NOT NULL,
  seq       bigint GENERATED ALWAYS AS IDENTITY,
  attempt   integer NOT NULL,
  at        timestamptz NOT NULL,
  worker_id text,
  error     text NOT NULL,
  PRIMARY KEY (task_id, seq)
);

-- name: 5_task_kind_and_headers
-- Which executor runs a task (its kind), and its headers: a JSON object of strings (a W3C trace context,
-- say), kept as the text core wrote, NULL for none. Neither is in an index: no claim or completion reads
-- them to decide. Adding a column with a constant default rewrites no rows.
ALTER TABLE {schema}.tasks ADD COLUMN kind text COLLATE "C" NOT NULL DEFAULT 'handler';
ALTER TABLE {schema}.tasks ADD COLUMN headers text;

-- name: 6_waiting_joins
-- WAITING tasks: inserted with a join counter above zero, never claimable, made READY (or SCHEDULED) by
-- the completion whose follow-ups take the counter to zero. A plain column with a constant default is
-- added without rewriting the table; the state check is replaced to admit the new state.
ALTER TABLE {schema}.tasks
  ADD COLUMN join_pending integer NOT NULL DEFAULT 0 CHECK (join_pending >= 0),
  DROP CONSTRAINT tasks_state_check,
  ADD CONSTRAINT tasks_state_check CHECK (state IN
    ('WAITING', 'SCHEDULED', 'READY', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'DEAD', 'CANCELLED'));

-- WAITING tasks by queue: the queue counts and the list of one state read them here, not from the table.
-- Decrements find their tasks by primary key.
CREATE INDEX tasks_joining ON {schema}.tasks (queue, id) WHERE state = 'WAITING';

-- name: 7_workflows
-- Workflows. A workflow's row counts its open nodes (the finally-node aside); a node row per task says
-- which workflow it belongs to and closes once, when the task is first final; an edge row per dependency
-- is resolved once, by the transaction that first finds its parent final (the UPDATE re-checks the flag
-- on the newest row version, so of two racing transactions one resolves it). No column of tasks changes
-- and no claim reads these tables; a completion probes workflow_nodes by primary key.
CREATE TABLE {schema}.workflows (
  id               text COLLATE "C" PRIMARY KEY,
  idempotency_key  text COLLATE "C" UNIQUE,
  fingerprint      text NOT NULL,
  state            text NOT NULL CHECK (state IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
  cancel_requested boolean NOT NULL DEFAULT false,
  nodes_open       integer NOT NULL CHECK (nodes_open >= 0),
  created_at       timestamptz NOT NULL,
  finished_at      timestamptz
);
-- Ended workflows by end time, for pruning them with their tasks' retention.
CREATE INDEX workflows_finished ON {schema}.workflows (finished_at) WHERE state <> 'RUNNING';

CREATE TABLE {schema}.workflow_nodes (
  task_id     text COLLATE "C" PRIMARY KEY,
  workflow_id text COLLATE "C" NOT NULL,
  name        text NOT NULL,
  position    integer NOT NULL,
  is_finally  boolean NOT NULL,
  open        boolean NOT NULL,
  UNIQUE (workflow_id, position)
);

CREATE TABLE {schema}.workflow_edges (
  child_id   text COLLATE "C" NOT NULL,
  position   integer NOT NULL,
  parent_id  text COLLATE "C" NOT NULL,
  on_failure text NOT NULL CHECK (on_failure IN ('fail', 'continue')),
  resolved   boolean NOT NULL,
  PRIMARY KEY (child_id, position)
);
-- Pending edges by parent: what a parent's end resolves. Resolved edges leave the index.
CREATE INDEX workflow_edges_pending ON {schema}.workflow_edges (parent_id) WHERE NOT resolved;

-- name: 8_task_progress
-- The progress a worker reports with its heartbeats (JSON bytes, at most 4 KiB, NULL for none), kept
-- with the task and returned with it. A nullable column without a default is added without rewriting
-- the table; no index reads it.
ALTER TABLE {schema}.tasks ADD COLUMN progress bytea;

-- name: 10_heartbeats_and_dead_errors
-- Each attempt's heartbeats: how many extensions of its lease were applied, and the database's clock at
-- the first and the last (extend_leases). They belong to the attempt that started at started_at only
-- while heartbeat_first >= started_at: a claim writes nothing here (it stays as it was), the attempt's
-- first heartbeat starts over. A failure copies them into the error history. Nullable columns without
-- a default: added without rewriting the table.
ALTER TABLE {schema}.tasks ADD COLUMN heartbeats integer, ADD COLUMN heartbeat_first timestamptz,
  ADD COLUMN heartbeat_last timestamptz;
-- A failed attempt's claim time (the task's started_at then), for the attempt timeline.
ALTER TABLE {schema}.task_errors ADD COLUMN heartbeats integer, ADD COLUMN heartbeat_first timestamptz,
  ADD COLUMN heartbeat_last timestamptz, ADD COLUMN claimed_at timestamptz;

-- The dead tasks newest first, for dead_groups: it reads the newest dead tasks in this order however many
-- tasks the table holds. Only DEAD rows are in it, so claims and successes write nothing here.
CREATE INDEX tasks_dead_finished ON {schema}.tasks (finished_at) WHERE state = 'DEAD';

-- name: 11_workflow_failed_nodes
-- A workflow counts its closed nodes that did not succeed (the finally-node aside), so the statement that
-- closes its last node knows at once whether it FAILED, without reading every node's task (whose rows a
-- statement that waited for a lock may see as they were before). Running workflows are counted from their
-- nodes now; ended ones keep their state.
ALTER TABLE {schema}.workflows ADD COLUMN nodes_failed integer NOT NULL DEFAULT 0;
UPDATE {schema}.workflows w
SET nodes_failed = (SELECT count(*) FROM {schema}.workflow_nodes n JOIN {schema}.tasks t ON t.id = n.task_id
                    WHERE n.workflow_id = w.id AND NOT n.is_finally AND NOT n.open AND t.state <> 'SUCCEEDED')
WHERE w.state = 'RUNNING';

-- name: 12_workflow_steps_without_writes
-- A workflow node closes with its task's end, not with a write of its own: the completion that makes a
-- task final is its one fenced transition to final, so it is the once-only event, and the step reads the
-- node and the pending edges leaving it and writes neither (bench/README.md, "Workflows: a chord member's
-- end writes no node or edge row"). Rows written before this version already read right under the new
-- rules (a closed node was closed with every edge leaving it resolved), so no row changes; the version
-- makes a node of an older Errand, which would close nodes by their flag, say it needs an upgrade.
COMMENT ON COLUMN {schema}.workflow_nodes.open IS
  'attached: the end of the node''s task closes it; false only for a replayed node of a cancelled workflow, whose end counts no more';
COMMENT ON COLUMN {schema}.workflow_edges.resolved IS
  'false: pending while the parent''s task has not ended; the edge is resolved if this says so or its parent''s task is final (or pruned)';
