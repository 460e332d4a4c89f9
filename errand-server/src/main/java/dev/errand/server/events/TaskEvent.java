package dev.errand.server.events;

import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import java.time.Instant;
import java.util.Objects;

/**
 * One change of a task's state, as the event stream and the event log show it. Never holds the payload.
 *
 * @param kind what happened: enqueued, started, succeeded, retrying, dead, released, lease_lost, cancelled,
 *     progress (a remote worker's heartbeat reported progress)
 * @param state the task's state after the change
 * @param error the first line of the failure (at most {@link #MAX_ERROR_CHARS}), or null
 * @param progress the task's last reported progress (JSON, at most 4 KiB), or null
 */
public record TaskEvent(String kind, String id, String queue, String type, TaskState state, int attempt,
    Instant at, String error, Json progress) {
  public static final int MAX_ERROR_CHARS = 300;

  public TaskEvent {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(at, "at");
  }

  /** An event without progress. */
  public TaskEvent(String kind, String id, String queue, String type, TaskState state, int attempt, Instant at,
      String error) {
    this(kind, id, queue, type, state, attempt, at, error, null);
  }

  static TaskEvent of(String kind, Task task, TaskState state, Instant at, String error) {
    return new TaskEvent(kind, task.id().toString(), task.queue(), task.type(), state, task.attempt(), at,
        firstLine(error), task.progress());
  }

  private static String firstLine(String error) {
    if (error == null) {
      return null;
    }
    int nl = error.indexOf('\n');
    String line = nl < 0 ? error : error.substring(0, nl);
    return line.length() > MAX_ERROR_CHARS ? line.substring(0, MAX_ERROR_CHARS) : line;
  }
}
