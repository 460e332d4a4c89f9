package dev.errand.store.redis;

import java.util.Locale;

/**
 * What the store requires of the Redis server's persistence before it starts, checked once with
 * {@code CONFIG GET appendonly} and {@code appendfsync}. Errand promises that an enqueue or a completion
 * that returned is durable; on Redis that holds only when every write is fsynced before it is
 * acknowledged ({@code appendonly yes} and {@code appendfsync always}).
 */
public enum Durability {
  /**
   * The default: refuses to start unless the server fsyncs every write before it answers, or when it
   * cannot tell (a managed Redis that refuses {@code CONFIG}).
   */
  STRICT,
  /** Starts on any settings, with a warning that names what a crash of the Redis host can lose. */
  RELAXED,
  /** Checks nothing: for tests and for tasks that may be lost. */
  NONE;

  /** {@code strict}, {@code relaxed} or {@code none}, in any case. */
  public static Durability parse(String value) {
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("durability must be strict, relaxed or none: " + value, e);
    }
  }
}
