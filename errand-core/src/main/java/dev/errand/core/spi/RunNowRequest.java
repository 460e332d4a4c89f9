package dev.errand.core.spi;

import dev.errand.core.TaskId;

/**
 * Which SCHEDULED or RETRYING tasks an operator runs now instead of at their runAt; null
 * fields match everything.
 */
public record RunNowRequest(TaskId id, String queue, String type) {
  public static RunNowRequest of(TaskId id) {
    return new RunNowRequest(id, null, null);
  }
}
