package dev.errand.core.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.core.ErrandListener;
import dev.errand.core.RetryPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;

/** An Errand's settings, checked by its builder. Internal: not public API. */
public record Settings(
    String workerId,
    Clock clock,
    ObjectMapper mapper,
    Map<String, Integer> queues,
    Duration leaseDuration,
    Duration heartbeatInterval,
    Duration pollInterval,
    Duration shutdownGrace,
    Duration retention,
    Duration pruneInterval,
    long maxPayloadBytes,
    RetryPolicy retry,
    Duration timeout,
    ErrandListener listener,
    int completionBatchSize,
    Duration completionFlushDelay,
    int maxClaimBatch,
    LockedRandom random) {

  public Settings(String workerId, Clock clock, ObjectMapper mapper, Map<String, Integer> queues,
      Duration leaseDuration, Duration heartbeatInterval, Duration pollInterval, Duration shutdownGrace,
      Duration retention, Duration pruneInterval, long maxPayloadBytes, RetryPolicy retry, Duration timeout,
      ErrandListener listener, int completionBatchSize, Duration completionFlushDelay, int maxClaimBatch,
      SplittableRandom random) {
    this(workerId, clock, mapper, queues, leaseDuration, heartbeatInterval, pollInterval, shutdownGrace,
        retention, pruneInterval, maxPayloadBytes, retry, timeout, listener, completionBatchSize,
        completionFlushDelay, maxClaimBatch, new LockedRandom(random));
  }
}
