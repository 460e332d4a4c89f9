package dev.errand.store.redis.internal;

import dev.errand.store.redis.Durability;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the server's persistence settings once at start and holds them against the store's
 * {@link Durability}: STRICT refuses anything but {@code appendonly yes} with {@code appendfsync always}
 * (or settings it cannot read), RELAXED logs a warning naming what a crash can lose, NONE reads nothing.
 * Not public API.
 */
public final class DurabilityCheck {
  private static final Logger log = LoggerFactory.getLogger(DurabilityCheck.class);

  private DurabilityCheck() {}

  /** What the settings lose in a crash of the Redis host, or null when an acknowledged write is on disk. */
  public static String risk(String appendonly, String appendfsync) {
    if (!"yes".equals(appendonly)) {
      return "appendonly is " + appendonly + ": every write since the last snapshot (all of them without RDB"
          + " snapshots) is lost when Redis restarts";
    }
    return switch (appendfsync) {
      case "always" -> null;
      case "everysec" -> "appendfsync is everysec: up to about a second of acknowledged writes is lost in a crash"
          + " of the Redis host";
      default -> "appendfsync is " + appendfsync + ": acknowledged writes the operating system has not yet flushed"
          + " (up to about 30 seconds) are lost in a crash of the Redis host";
    };
  }

  /**
   * Checks the server; throws {@link IllegalStateException} naming the settings when STRICT is not met.
   * Returns the risk found (null for none or when not checked), which RELAXED has logged.
   */
  public static String check(String store, RedisCommands<String, byte[]> redis, Durability durability) {
    if (durability == Durability.NONE) {
      return null;
    }
    String appendonly;
    String appendfsync;
    try {
      appendonly = config(redis, "appendonly");
      appendfsync = config(redis, "appendfsync");
    } catch (RedisCommandExecutionException e) {
      String why = store + ": cannot read the Redis server's persistence settings (CONFIG GET refused: "
          + e.getMessage() + ")";
      if (durability == Durability.STRICT) {
        throw new IllegalStateException(why + "; durability=strict cannot confirm that acknowledged writes are"
            + " fsynced. Open the store with ?durability=relaxed if the provider guarantees it, or ?durability=none", e);
      }
      log.warn("{}; following durability=relaxed: an acknowledged enqueue or completion may be lost in a crash"
          + " of the Redis host, as the provider's persistence settings allow", why);
      return why;
    }
    String risk = risk(appendonly, appendfsync);
    if (risk == null) {
      return null;
    }
    if (durability == Durability.STRICT) {
      throw new IllegalStateException(store + ": durability=strict needs appendonly yes and appendfsync always, so"
          + " that a write is on disk before it is acknowledged, but " + risk + ". Set them on the server"
          + " (CONFIG SET appendonly yes; CONFIG SET appendfsync always) or open the store with ?durability=relaxed");
    }
    log.warn("{}: durability=relaxed: {}", store, risk);
    return risk;
  }

  private static String config(RedisCommands<String, byte[]> redis, String name) {
    Map<String, String> values = redis.configGet(name);
    String value = values.get(name);
    if (value == null) {
      throw new RedisCommandExecutionException("CONFIG GET " + name + " returned nothing");
    }
    return value.toLowerCase(java.util.Locale.ROOT);
  }
}
