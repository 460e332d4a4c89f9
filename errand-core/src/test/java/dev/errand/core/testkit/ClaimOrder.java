package dev.errand.core.testkit;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.spi.NewTask;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The claim order, specified once: of the due tasks of a queue, a claim takes the highest priority
 * first, then the earliest due time, then the lowest id in byte order (what PostgreSQL's "C" collation and
 * SQLite's BINARY compare). Stores run it inside their own claim statement, for atomicity; the
 * conformance suite checks each statement against this model on seeded random tasks, and the in-memory
 * store claims by it.
 */
public final class ClaimOrder {
  /** What the order looks at of a task: its priority, when it is due, and its id. */
  public record Key(int priority, Instant due, TaskId id) {
    public Key {
      Objects.requireNonNull(due, "due");
      Objects.requireNonNull(id, "id");
    }
  }

  public static final Comparator<Key> KEYS = Comparator.comparingInt(Key::priority).reversed()
      .thenComparing(Key::due).thenComparing(Key::id, Comparator.comparing(TaskId::value));

  /** Tasks in claim order, due time being their runAt. */
  public static final Comparator<Task> TASKS = Comparator.comparing(t -> new Key(t.priority(), t.runAt(), t.id()),
      KEYS);

  private ClaimOrder() {}

  /** The ids of {@code tasks}, each due at its runAt, in the order claims must hand them out. */
  public static List<TaskId> of(List<NewTask> tasks) {
    return tasks.stream().map(t -> new Key(t.priority(), t.runAt(), t.id())).sorted(KEYS).map(Key::id).toList();
  }
}
