package dev.errand.core.spi;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import java.util.List;

/**
 * A page of tasks and the cursor for the next page, null when this page is the last. A store may bound
 * how many tasks one page reads, so a page of a selective query may hold fewer tasks than its limit,
 * even none, while {@code next} is not null: the tasks past the cursor were not looked at yet. Only a
 * null {@code next} says that nothing more matches.
 */
public record TaskPage(List<Task> tasks, TaskId next) {
  public TaskPage {
    tasks = List.copyOf(tasks);
  }
}
