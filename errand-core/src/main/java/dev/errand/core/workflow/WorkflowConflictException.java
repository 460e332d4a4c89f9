package dev.errand.core.workflow;

import dev.errand.core.ErrandException;

/** A workflow reused an idempotency key held by a workflow with a different graph; nothing was written. */
public class WorkflowConflictException extends ErrandException {
  private final String existingId;

  public WorkflowConflictException(String key, String existingId) {
    super("idempotency key " + key + " was already used for workflow " + existingId + " with a different graph");
    this.existingId = existingId;
  }

  public String existingId() {
    return existingId;
  }
}
