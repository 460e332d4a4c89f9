package dev.errand.store.sqlite.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * For each queue, the earliest store time at which a claim could find a delayed task come due: before it,
 * the claim skips the statement that promotes them. It looks at an index, but paid on every claim it was
 * a large part of the writer thread's time in a drain, while a drain has nothing to promote. (Expired
 * leases are not the claim's business: {@link LeaseSweeps} takes them back.)
 *
 * <p>The store is the only process that writes its database (it holds the directory's lock), so every
 * write that could bring a horizon closer passes through here: inserts of delayed tasks, retries and
 * delayed releases, sweeps that retry a timed-out attempt. Those lower it as they run; a claim that has
 * promoted sets it to what its transaction then sees, after the commit (see
 * {@link WriteContext#afterCommit}), and lowerings are replayed after the commit in request order too, so
 * a horizon never ends up later than a write of the same group made it. A horizon may be too early (a
 * task cancelled): the claim then looks and finds nothing, which is safe. A queue not seen since the store
 * opened has no horizon and is looked at once. Confined to the writer thread.
 */
public final class ClaimHorizon {
  /** Per queue: the due horizon, in microseconds on the store's clock. */
  private final Map<String, Long> horizons = new HashMap<>();

  /** Whether a claim of {@code queue} at {@code now} must promote due tasks. */
  public boolean mayHaveDue(String queue, long now) {
    Long h = horizons.get(queue);
    return h == null || h <= now;
  }

  /** A task of {@code queue} comes due at {@code at}. */
  public void dueBy(String queue, long at) {
    horizons.computeIfPresent(queue, (q, h) -> Math.min(h, at));
  }

  /** A task of some queue comes due at {@code at}; for writes that do not know the queue. */
  public void dueEverywhereBy(long at) {
    horizons.replaceAll((q, h) -> Math.min(h, at));
  }

  /** After a look at {@code queue}: its next due time, or {@code Long.MAX_VALUE} for none. */
  public void nextDue(String queue, long at) {
    horizons.put(queue, at);
  }
}
