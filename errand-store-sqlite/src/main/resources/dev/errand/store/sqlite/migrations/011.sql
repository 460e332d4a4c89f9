-- Migration 11: a workflow counts its closed nodes that did not succeed (the finally-node aside), so the
-- write that closes its last node knows at once whether it FAILED, without reading every node's task.
-- Running workflows are counted from their nodes now; ended ones keep their state and need no count.

-- name: add_nodes_failed
ALTER TABLE workflows ADD COLUMN nodes_failed INTEGER NOT NULL DEFAULT 0

-- name: count_nodes_failed
UPDATE workflows
SET nodes_failed = (SELECT count(*) FROM workflow_nodes n JOIN tasks t ON t.id = n.task_id
                    WHERE n.workflow_id = workflows.id AND n.is_finally = 0 AND n.open = 0
                      AND t.state <> 'SUCCEEDED')
WHERE state = 'RUNNING'
