-- Migration 7: workflows. A workflow's row counts its open nodes (the finally-node aside); a node row
-- per task says which workflow it belongs to and closes once, when the task is first final; an edge row
-- per dependency is resolved once, by the write that first finds its parent final. No column of tasks
-- changes, and no claim reads these tables: a completion probes workflow_nodes by primary key.

-- name: create_workflows
CREATE TABLE workflows (
  id               TEXT PRIMARY KEY,
  idempotency_key  TEXT UNIQUE,
  fingerprint      TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  nodes_open       INTEGER NOT NULL CHECK (nodes_open >= 0),
  created_at       INTEGER NOT NULL,
  finished_at      INTEGER
)

-- name: create_workflows_finished
-- Ended workflows by end time, for pruning them with their tasks' retention.
CREATE INDEX workflows_finished ON workflows (finished_at) WHERE state <> 'RUNNING'

-- name: create_workflow_nodes
CREATE TABLE workflow_nodes (
  task_id     TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  name        TEXT NOT NULL,
  position    INTEGER NOT NULL,
  is_finally  INTEGER NOT NULL,
  open        INTEGER NOT NULL,
  UNIQUE (workflow_id, position)
)

-- name: create_workflow_nodes_open
-- The open nodes only: whether any is open is one probe, asked before a completion looks for its node.
CREATE INDEX workflow_nodes_open ON workflow_nodes (task_id) WHERE open = 1

-- name: create_workflow_edges
CREATE TABLE workflow_edges (
  child_id   TEXT NOT NULL,
  position   INTEGER NOT NULL,
  parent_id  TEXT NOT NULL,
  on_failure TEXT NOT NULL CHECK (on_failure IN ('fail', 'continue')),
  resolved   INTEGER NOT NULL,
  PRIMARY KEY (child_id, position)
)

-- name: create_workflow_edges_pending
-- Pending edges by parent: what a parent's end resolves. Resolved edges leave the index.
CREATE INDEX workflow_edges_pending ON workflow_edges (parent_id) WHERE resolved = 0
