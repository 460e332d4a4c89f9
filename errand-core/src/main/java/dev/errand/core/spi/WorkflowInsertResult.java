package dev.errand.core.spi;

import dev.errand.core.TaskId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The workflow written, or, when its idempotency key was already held, the one that holds it
 * ({@code created == false}, with that workflow's nodes and fingerprint).
 */
public record WorkflowInsertResult(String id, Map<String, TaskId> nodes, String fingerprint, boolean created) {
  public WorkflowInsertResult {
    Objects.requireNonNull(id, "id");
    nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes)); // in the order given
  }
}
