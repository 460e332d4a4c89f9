package dev.errand.core.spi;

import dev.errand.core.TaskId;

/** Which DEAD tasks a replay or purge touches; null fields match everything. */
public record DeadFilter(TaskId id, String queue, String type) {
  public static DeadFilter all() {
    return new DeadFilter(null, null, null);
  }

  public static DeadFilter of(TaskId id) {
    return new DeadFilter(id, null, null);
  }

  public static DeadFilter inQueue(String queue) {
    return new DeadFilter(null, queue, null);
  }
}
