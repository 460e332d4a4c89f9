package dev.errand.core.spi;

import dev.errand.core.Task;

/** The task after the request (null if NOT_FOUND) and what happened. */
public record CancelResult(Task task, Status status) {
  public enum Status { CANCELLED, ALREADY_FINAL, NOT_FOUND }
}
