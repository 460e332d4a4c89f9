package dev.errand.core.spi;

import dev.errand.core.Task;
import java.util.List;

/**
 * The tasks claimed, each RUNNING with its lease.
 *
 * @param drained the store says that the claim took all that was claimable in the queue when it began,
 *     and that its {@link WakeUpStore#awaitWork} counts wake-ups from that moment: the caller may wait for
 *     work at once instead of claiming again to find the queue empty. False promises nothing.
 */
public record ClaimResult(List<Task> tasks, boolean drained) {
  public ClaimResult {
    tasks = List.copyOf(tasks);
  }

  /** Tasks claimed, with no word on what is left. */
  public ClaimResult(List<Task> tasks) {
    this(tasks, false);
  }
}
