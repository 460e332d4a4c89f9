package dev.errand.core.workflow;

/**
 * Where a workflow is: RUNNING until every node (the finally-node aside) is final, then SUCCEEDED if all
 * of them succeeded, CANCELLED if it was cancelled, else FAILED. The finally-node, if any, is released when
 * the workflow leaves RUNNING.
 */
public enum WorkflowState {
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED
}
