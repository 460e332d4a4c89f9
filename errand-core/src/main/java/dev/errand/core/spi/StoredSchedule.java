package dev.errand.core.spi;

import dev.errand.core.Json;
import dev.errand.core.Names;
import java.time.Instant;
import java.util.Objects;

/**
 * A schedule definition as the store keeps it.
 *
 * @param definition the JSON bytes exactly as put (see {@link SchedulePutRequest})
 * @param version 1 when the name was put first, one more at each replacement: a node that has seen
 *     this version of this definition has nothing to change
 * @param updatedAt when it was last put, on the store's clock
 */
public record StoredSchedule(String name, Json definition, long version, Instant updatedAt) {
  public StoredSchedule {
    Names.require("name", name);
    Objects.requireNonNull(definition, "definition");
    if (version < 1) {
      throw new IllegalArgumentException("version must be positive: " + version);
    }
    Objects.requireNonNull(updatedAt, "updatedAt");
  }
}
