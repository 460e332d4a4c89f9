package dev.errand.core.spi;

import dev.errand.core.Task;
import java.util.List;

/**
 * One outcome per requested task, in request order. A task whose id already exists, or whose
 * idempotency key is already held in its queue (by a stored task or an earlier one in the same
 * request), is not inserted: its outcome carries the existing task with {@code created == false}.
 */
public record InsertResult(List<Outcome> outcomes) {
  public InsertResult {
    outcomes = List.copyOf(outcomes);
  }

  public record Outcome(Task task, boolean created) {}
}
