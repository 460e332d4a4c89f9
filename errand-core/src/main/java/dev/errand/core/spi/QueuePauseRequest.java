package dev.errand.core.spi;

import dev.errand.core.Names;

/** Pause or resume claims from a queue; running tasks are not touched. */
public record QueuePauseRequest(String queue, boolean paused) {
  public QueuePauseRequest {
    Names.require("queue", queue);
  }
}
