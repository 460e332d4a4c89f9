package dev.errand.core.spi;

import dev.errand.core.Json;
import dev.errand.core.Names;
import java.util.Objects;

/**
 * Create or replace the stored schedule {@code name} with {@code definition}: the schedule as JSON, in
 * the shape {@code dev.errand.core.schedule.ScheduleJson} writes. The store keeps the bytes as given and
 * never reads them.
 */
public record SchedulePutRequest(String name, Json definition) {
  public SchedulePutRequest {
    Names.require("name", name);
    Objects.requireNonNull(definition, "definition");
  }
}
