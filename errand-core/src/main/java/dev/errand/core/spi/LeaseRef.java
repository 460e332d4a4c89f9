package dev.errand.core.spi;

import dev.errand.core.TaskId;
import java.util.Objects;

/** A task and the lease token its worker holds. */
public record LeaseRef(TaskId id, String token) {
  public LeaseRef {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(token, "token");
  }
}
