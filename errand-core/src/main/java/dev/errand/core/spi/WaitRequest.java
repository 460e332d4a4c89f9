package dev.errand.core.spi;

import java.time.Duration;
import java.util.Set;

/** Wait until work may be claimable in one of {@code queues}, or {@code maxWait} has passed. */
public record WaitRequest(Set<String> queues, Duration maxWait) {
  public WaitRequest {
    queues = Set.copyOf(queues);
  }
}
