package dev.errand.core.spi;

import dev.errand.core.Task;
import java.util.List;

/** The tasks claimed, each RUNNING with its lease. */
public record ClaimResult(List<Task> tasks) {
  public ClaimResult {
    tasks = List.copyOf(tasks);
  }
}
