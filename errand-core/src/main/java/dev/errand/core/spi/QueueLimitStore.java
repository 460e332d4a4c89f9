package dev.errand.core.spi;

/**
 * An optional power of a {@link TaskStore}, found through {@link TaskStore#capability}: cluster-wide flow
 * limits, kept in the store and enforced inside its claim so that every node claims under them.
 */
public interface QueueLimitStore {
  /**
   * Replaces a queue's flow limits. From then on a claim of the queue never returns more than the cap
   * minus the queue's RUNNING tasks whose lease has not run out, nor more than the whole tokens in its
   * bucket; the count and the bucket are read and spent atomically with the claim, so concurrent claimers
   * on any node together stay within them. Tokens refill on the store's clock. A new rate limit starts
   * with a full bucket; changing an existing one keeps the tokens left, at most the new burst.
   * {@link dev.errand.core.QueueLimits#NONE} clears both limits.
   */
  void limitQueue(QueueLimitsRequest request);
}
