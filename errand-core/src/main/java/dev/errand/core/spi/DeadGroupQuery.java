package dev.errand.core.spi;

/**
 * Which dead tasks to group ({@link DeadGroupStore}): those of {@code queue} and {@code type} (null for
 * any), the newest {@code maxRead} at most.
 */
public record DeadGroupQuery(String queue, String type, int maxRead) {
  /** The most a query may read: on a million dead tasks the groups are those of the newest 100,000. */
  public static final int MAX_READ = 100_000;

  public DeadGroupQuery {
    if (maxRead < 1 || maxRead > MAX_READ) {
      throw new IllegalArgumentException("maxRead must be in 1.." + MAX_READ + ": " + maxRead);
    }
  }
}
