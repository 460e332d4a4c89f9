package dev.errand.core.spi;

import dev.errand.core.Json;
import dev.errand.core.TaskId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The end of one run of a task, fenced by its lease token. The store applies it only if the token is the
 * task's current one, and clears the lease in the same statement.
 *
 * <p>Its {@link FollowUps} are applied in the same write (one transaction), under the same fence: if the
 * token is stale, none of them happens. Any outcome may carry follow-ups; the caller decides which do
 * (the in-process runtime attaches a handler's follow-ups to its success only). Because a completion is
 * applied at most once per lease, a completion sent again after its first write succeeded (a lost
 * answer, a retried batch) finds the lease gone and applies no follow-up twice.
 */
public record Completion(TaskId id, String leaseToken, Outcome outcome, FollowUps followUps) {
  public Completion {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(leaseToken, "leaseToken");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(followUps, "followUps");
  }

  /** A completion with no follow-ups. */
  public Completion(TaskId id, String leaseToken, Outcome outcome) {
    this(id, leaseToken, outcome, FollowUps.NONE);
  }

  /** What the run came to. */
  public sealed interface Outcome {}

  /** SUCCEEDED with {@code result} (may be null), finishedAt now. */
  public record Succeeded(Json result) implements Outcome {}

  /** RETRYING, runnable again at the store's now plus {@code delay}; {@code error} becomes lastError. */
  public record Retry(Duration delay, String error) implements Outcome {
    public Retry {
      Objects.requireNonNull(delay, "delay");
      Objects.requireNonNull(error, "error");
    }
  }

  /** DEAD: into the dead-letter queue with {@code error} as lastError, finishedAt now. */
  public record Dead(String error) implements Outcome {
    public Dead {
      Objects.requireNonNull(error, "error");
    }
  }

  /**
   * Back to waiting without burning the attempt (attempt goes down by one): READY if {@code delay} is
   * zero, else SCHEDULED at the store's now plus delay. Used for graceful shutdown and snoozes.
   */
  public record Release(Duration delay) implements Outcome {
    public Release {
      Objects.requireNonNull(delay, "delay");
    }
  }

  /**
   * What an applied completion also writes. The store inserts {@code inserts} as
   * {@link TaskStore#insertMany} would (an id or idempotency key already held keeps the task that holds
   * it), then takes one off the join counter of each WAITING task in {@code decrements} (an id listed
   * twice counts twice); a decrement of a task that is not WAITING (unknown, cancelled, already released)
   * changes nothing. Inserts of a whole request come before its decrements, so a decrement may reach a
   * task inserted by another completion of the same request.
   */
  public record FollowUps(List<NewTask> inserts, List<TaskId> decrements) {
    public static final FollowUps NONE = new FollowUps(List.of(), List.of());

    public FollowUps {
      inserts = List.copyOf(inserts);
      decrements = List.copyOf(decrements);
    }

    public static FollowUps inserting(List<NewTask> inserts) {
      return inserts.isEmpty() ? NONE : new FollowUps(inserts, List.of());
    }

    public static FollowUps decrementing(List<TaskId> decrements) {
      return decrements.isEmpty() ? NONE : new FollowUps(List.of(), decrements);
    }

    public boolean isEmpty() {
      return inserts.isEmpty() && decrements.isEmpty();
    }
  }
}
