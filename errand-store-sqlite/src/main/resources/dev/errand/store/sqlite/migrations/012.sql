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

-- name: create_workflows_running
-- Whether any workflow runs, one probe: while none does, no task's end can move a workflow on (an ended
-- workflow's nodes are all final but its finally-node, whose end moves nothing), and a drain of plain
-- tasks pays no step. A workflow enters it once and leaves it once.
CREATE INDEX workflows_running ON workflows (id) WHERE state = 'RUNNING'
