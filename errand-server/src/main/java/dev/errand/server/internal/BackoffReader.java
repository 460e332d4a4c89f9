package dev.errand.server.internal;

import java.time.Duration;
import java.util.Set;

/**
 * Reads a retry backoff, {@code "retry": {"base": "1s", "cap": "1h"}}, as a task's enqueue body and the
 * config file's {@code types} give it: exponential from base with full jitter, capped (see
 * {@link dev.errand.core.RetryPolicy}). Both durations are required and positive, cap at least base.
 * Stateless.
 */
final class BackoffReader {
  /** A checked base and cap. */
  record Backoff(Duration base, Duration cap) {}

  private BackoffReader() {}

  /** The backoff under {@code name} in {@code f}, or null when absent or an error was recorded. */
  static Backoff read(JsonFields f, String name, FieldErrors errors) {
    JsonFields retry = f.object(name, errors);
    if (retry == null) {
      return null;
    }
    int before = errors.size();
    retry.rejectUnknown(Set.of("base", "cap"), errors);
    Duration base = Durations.duration(retry.field("base"), retry.string("base", errors), false, errors);
    Duration cap = Durations.duration(retry.field("cap"), retry.string("cap", errors), false, errors);
    for (String field : new String[] {"base", "cap"}) {
      if (!retry.has(field)) {
        errors.add(retry.field(field), "is required");
      }
    }
    if (base != null && cap != null && cap.compareTo(base) < 0) {
      errors.add(retry.field("cap"), "must be at least base (" + base + "): " + cap);
    }
    return errors.size() > before ? null : new Backoff(base, cap);
  }
}
