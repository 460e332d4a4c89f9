package dev.errand.core.spi;

import java.time.Duration;

/**
 * How a task's {@code timeout} bounds its leases, in every store alike, so that it holds for remote
 * workers, across server restarts and on any number of nodes:
 * <ul>
 *   <li>A lease never runs past {@code startedAt + timeout + GRACE} on the store's clock: claims and
 *       extensions cap it there.
 *   <li>An extension at or past {@code startedAt + timeout} is refused as stale, so a remote worker's
 *       heartbeat tells it that its attempt is over.
 *   <li>A sweep that takes back a lease whose cap was the timeout fails the attempt with
 *       {@link #error}: RETRYING at once while attempts remain, else DEAD.
 * </ul>
 * The grace lets an in-process worker, whose own watch ends the run at the timeout, write that outcome
 * (with its backoff) before a sweep would.
 */
public final class AttemptTimeout {
  /** How long past the timeout a lease may last, for the in-process watch to write its outcome first. */
  public static final Duration GRACE = Duration.ofSeconds(1);

  private AttemptTimeout() {}

  /** The error an attempt that outlived its timeout ends with; SQL stores write the same text. */
  public static String error(Duration timeout) {
    return "timed out after " + timeout.toMillis() + " ms";
  }
}
