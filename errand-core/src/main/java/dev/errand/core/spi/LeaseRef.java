package dev.errand.core.spi;

import dev.errand.core.Json;
import dev.errand.core.TaskId;
import java.util.Objects;

/**
 * A task and the lease token its worker holds, and in an extension the progress its worker reports.
 *
 * @param progress JSON to keep as the task's {@link dev.errand.core.Task#progress} if the lease is
 *     extended (fenced like the extension itself), or null to keep what the task has; a store that keeps
 *     no progress may ignore it (migration 008 on SQLite and PostgreSQL)
 */
public record LeaseRef(TaskId id, String token, Json progress) {
  public LeaseRef {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(token, "token");
  }

  /** A lease without progress to report. */
  public LeaseRef(TaskId id, String token) {
    this(id, token, null);
  }

  /** This lease reporting {@code progress} (null for none). */
  public LeaseRef withProgress(Json progress) {
    return new LeaseRef(id, token, progress);
  }
}
