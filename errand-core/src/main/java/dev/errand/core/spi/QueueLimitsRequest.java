package dev.errand.core.spi;

import dev.errand.core.Names;
import dev.errand.core.QueueLimits;
import java.util.Objects;

/** Replace a queue's flow limits; {@link QueueLimits#NONE} clears them. */
public record QueueLimitsRequest(String queue, QueueLimits limits) {
  public QueueLimitsRequest {
    Names.require("queue", queue);
    Objects.requireNonNull(limits, "limits");
  }
}
