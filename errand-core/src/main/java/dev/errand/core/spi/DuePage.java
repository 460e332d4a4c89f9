package dev.errand.core.spi;

import dev.errand.core.Task;
import java.util.List;

/** The answer to a {@link DueQuery}: the SCHEDULED and RETRYING tasks, soonest runAt first. */
public record DuePage(List<Task> tasks) {
  public DuePage {
    tasks = List.copyOf(tasks);
  }
}
