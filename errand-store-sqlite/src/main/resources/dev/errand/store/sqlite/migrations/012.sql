-- Migration 12: a workflow node closes with its task's end, not with a write of its own. The completion
-- that makes a task final is its one fenced transition to final, so it is the once-only event: the step
-- reads the node and the pending edges leaving it and writes neither (bench/README.md, "Workflows: a
-- chord member's end writes no node or edge row"). workflow_nodes.open now says whether the node is
-- attached (its task's end closes it): 0 only for a node of a cancelled workflow replayed from the
-- dead-letter queue, which counts no more. workflow_edges.resolved = 0 means pending while the parent's
-- task has not ended: an edge is resolved if it says so or its parent's task is final (or pruned). Rows
-- written before this migration already read right under these rules (a closed node was closed with
-- every edge leaving it resolved), so no row changes.

-- name: drop_workflow_nodes_open
-- Open nodes are no longer told by the flag: nothing reads this index, and no insert writes it any more.
DROP INDEX workflow_nodes_open

-- name: create_workflow_nodes_closing
-- The attached nodes (the finally-node aside) with their workflows: the step of a batch counts the nodes
-- its tasks' ends close per workflow from this index alone, one probe a task (workflow_nodes_close), not
-- the primary key's index and then the row. It takes the place of workflow_nodes_open: an insert writes
-- as many index entries as before.
CREATE INDEX workflow_nodes_closing ON workflow_nodes (task_id, workflow_id) WHERE open = 1 AND is_finally = 0

-- name: drop_workflow_edges_pending
DROP INDEX workflow_edges_pending

-- name: create_workflow_edges_pending
-- Pending edges by parent, now with the dependant: what a batch of successes releases is read from this
-- index alone (workflow_edges_release). An edge stays in it when its parent ends (it is resolved by that
-- end, not by a write) and leaves it only when marked resolved, after a replay.
CREATE INDEX workflow_edges_pending ON workflow_edges (parent_id, child_id) WHERE resolved = 0

-- name: create_workflows_running
-- Whether any workflow runs, one probe: while none does, no task's end can move a workflow on (an ended
-- workflow's nodes are all final but its finally-node, whose end moves nothing), and a drain of plain
-- tasks pays no step. A workflow enters it once and leaves it once.
CREATE INDEX workflows_running ON workflows (id) WHERE state = 'RUNNING'
