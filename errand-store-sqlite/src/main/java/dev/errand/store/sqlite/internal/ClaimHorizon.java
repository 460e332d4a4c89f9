package dev.errand.store.sqlite.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * For each queue, the earliest store time at which a claim could find a delayed task come due or a lease
 * run out: before it, the claim skips the statements that promote and rescue them. Both look at an index,
 * but paid on every claim they were a tenth of the writer thread's time in a drain, while a drain has
 * nothing to promote or rescue.
 *
 * <p>The store is the only process that writes its database (it holds the directory's lock), so every
 * write that could bring a horizon closer passes through here: inserts of delayed tasks, retries and
 * delayed releases, claims (their leases). Those lower it as they run; a claim that has promoted or
 * rescued sets it to what its transaction then sees, after the commit (see {@link WriteContext#afterCommit}),
 * and lowerings are replayed after the commit in request order too, so a horizon never ends up later than
 * a write of the same group made it. A horizon may be too early (a lease extended since, a task
 * cancelled): the claim then looks and finds nothing, which is safe. A queue not seen since the store
 * opened has no horizon and is looked at once. Confined to the writer thread.
 */
public final class ClaimHorizon {
  private static final int DUE = 0;
  private static final int EXPIRY = 1;

  /** Per queue: the due and the expiry horizon, in microseconds on the store's clock. */
  private final Map<String, long[]> horizons = new HashMap<>();

  /** Whether a claim of {@code queue} at {@code now} must promote due tasks. */
  public boolean mayHaveDue(String queue, long now) {
    long[] h = horizons.get(queue);
    return h == null || h[DUE] <= now;
  }

  /** Whether a claim of {@code queue} at {@code now} must rescue expired leases. */
  public boolean mayHaveExpired(String queue, long now) {
    long[] h = horizons.get(queue);
    return h == null || h[EXPIRY] <= now;
  }

  /** A task of {@code queue} comes due at {@code at}. */
  public void dueBy(String queue, long at) {
    long[] h = horizons.get(queue);
    if (h != null && at < h[DUE]) {
      h[DUE] = at;
    }
  }

  /** A task of some queue comes due at {@code at}; for writes that do not know the queue. */
  public void dueEverywhereBy(long at) {
    for (long[] h : horizons.values()) {
      if (at < h[DUE]) {
        h[DUE] = at;
      }
    }
  }

  /** A lease in {@code queue} runs out at {@code at}. */
  public void expiresBy(String queue, long at) {
    long[] h = horizons.get(queue);
    if (h != null && at < h[EXPIRY]) {
      h[EXPIRY] = at;
    }
  }

  /** After a look at {@code queue}: its next due time, or {@code Long.MAX_VALUE} for none. */
  public void nextDue(String queue, long at) {
    entry(queue)[DUE] = at;
  }

  /** After a look at {@code queue}: its next lease expiry, or {@code Long.MAX_VALUE} for none. */
  public void nextExpiry(String queue, long at) {
    entry(queue)[EXPIRY] = at;
  }

  private long[] entry(String queue) {
    // A queue's first look sets one horizon; the other stays at 0 (look) until its own look.
    return horizons.computeIfAbsent(queue, q -> new long[] {0, 0});
  }
}
