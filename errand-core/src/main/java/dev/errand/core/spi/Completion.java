package dev.errand.core.spi;

import dev.errand.core.Json;
import dev.errand.core.TaskId;
import java.time.Duration;
import java.util.Objects;

/**
 * The end of one run of a task, fenced by its lease token. The store applies it only if the token is the
 * task's current one, and clears the lease in the same statement.
 */
public record Completion(TaskId id, String leaseToken, Outcome outcome) {
  public Completion {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(leaseToken, "leaseToken");
    Objects.requireNonNull(outcome, "outcome");
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
}
