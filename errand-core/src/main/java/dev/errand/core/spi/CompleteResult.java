package dev.errand.core.spi;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import java.util.List;

/**
 * What a {@link CompleteRequest} came to.
 *
 * @param stale the ids whose completion was refused because the lease token was stale (or the task is
 *     unknown); all others were applied
 * @param tasks when the request asked for them, each task whose completion was applied, as the
 *     completion left it (its new state, no lease, startedAt kept, finishedAt set in a final state), in
 *     the order of the request; else empty
 */
public record CompleteResult(List<TaskId> stale, List<Task> tasks) {
  public CompleteResult {
    stale = List.copyOf(stale);
    tasks = List.copyOf(tasks);
  }
}
