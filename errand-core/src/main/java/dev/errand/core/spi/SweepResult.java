package dev.errand.core.spi;

import dev.errand.core.Lease;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import java.util.List;
import java.util.Objects;

/** The leases one sweep took back; fewer than the request's limit means none were left. */
public record SweepResult(List<Swept> swept) {
  public SweepResult {
    swept = List.copyOf(swept);
  }

  /**
   * One lease taken back. {@code task} is as the sweep found it, RUNNING with the lost lease (its worker
   * and token), so that listeners can tell whose lease it was; {@code state} is where the sweep left it:
   * READY, RETRYING (the attempt outlived the task's timeout) or DEAD (it was the final attempt).
   * {@code error} is the entry written to the task's error history.
   */
  public record Swept(Task task, TaskState state, String error, boolean timedOut) {
    public Swept {
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(error, "error");
    }

    /**
     * What a sweep does with {@code expired}, a RUNNING task whose lease ran out, for stores that decide
     * it outside SQL: timed out if the lease lasted to the timeout (its cap, see {@link AttemptTimeout}),
     * DEAD on the final attempt, RETRYING after a timeout, else READY.
     */
    public static Swept of(Task expired) {
      Lease lease = Objects.requireNonNull(expired.lease(), "lease of a swept task");
      boolean timedOut = !lease.until().isBefore(expired.startedAt().plus(expired.timeout()));
      String error = timedOut ? AttemptTimeout.error(expired.timeout()) : "lease expired on worker " + lease.workerId();
      TaskState state = expired.attempt() >= expired.maxAttempts() ? TaskState.DEAD
          : timedOut ? TaskState.RETRYING : TaskState.READY;
      return new Swept(expired, state, error, timedOut);
    }
  }
}
