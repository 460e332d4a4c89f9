package dev.errand.core.spi;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import java.util.List;

/** A page of tasks and the cursor for the next page, null when this page is the last. */
public record TaskPage(List<Task> tasks, TaskId next) {
  public TaskPage {
    tasks = List.copyOf(tasks);
  }
}
