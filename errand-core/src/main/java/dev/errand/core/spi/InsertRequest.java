package dev.errand.core.spi;

import java.util.List;
import java.util.Objects;

/**
 * Tasks to insert in one round trip and one transaction: all are inserted or none.
 *
 * <p>{@code claimFor}, when set, offers the one task of the request to an idle worker of this process:
 * the store may lease it to {@code claimFor.workerId()} in the same atomic write, as a claim of that
 * worker would (RUNNING, attempt 1, a fresh lease token, the lease capped as {@link AttemptTimeout}
 * says), but only when that claim would take it anyway: the task is new, due now and not waiting on a
 * workflow, its queue is neither paused nor limited, and no READY or due task of the queue is ahead of
 * it. A store that cannot tell, or does not implement it, ignores it; the task is then inserted as
 * usual and the outcome shows it (state READY). The caller runs a task it gets back RUNNING. An insert
 * in the caller's JDBC transaction ({@link JdbcTransactionalStore}) ignores it: nothing may run a task
 * before its transaction commits.
 *
 * <p>It spares an enqueue into an idle worker the wake-up and the claim's round trip that would
 * otherwise stand between the insert and the run.
 */
public record InsertRequest(List<NewTask> tasks, ClaimRequest claimFor) {
  public InsertRequest {
    tasks = List.copyOf(tasks);
    if (claimFor != null) {
      if (tasks.size() != 1) {
        throw new IllegalArgumentException("claimFor needs exactly one task: " + tasks.size());
      }
      if (!tasks.get(0).queue().equals(claimFor.queue()) || claimFor.limit() != 1) {
        throw new IllegalArgumentException("claimFor must claim one task of the task's queue "
            + tasks.get(0).queue() + ": " + claimFor);
      }
    }
  }

  public InsertRequest(List<NewTask> tasks) {
    this(tasks, null);
  }

  /** One task, offered to the idle worker {@code claimFor} describes. */
  public static InsertRequest claiming(NewTask task, ClaimRequest claimFor) {
    return new InsertRequest(List.of(task), Objects.requireNonNull(claimFor, "claimFor"));
  }
}
