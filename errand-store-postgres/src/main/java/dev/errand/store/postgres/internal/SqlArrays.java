package dev.errand.store.postgres.internal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Conversions for the array parameters batch statements take (one array per column, unnested in SQL).
 * Not public API.
 */
public final class SqlArrays {
  private SqlArrays() {}

  public static Array text(Connection c, String[] values) throws SQLException {
    return c.createArrayOf("text", values);
  }

  public static Array int4(Connection c, Integer[] values) throws SQLException {
    return c.createArrayOf("int4", values);
  }

  public static Array int8(Connection c, Long[] values) throws SQLException {
    return c.createArrayOf("int8", values);
  }

  public static Array bytea(Connection c, byte[][] values) throws SQLException {
    return c.createArrayOf("bytea", values);
  }

  /** Whole microseconds, the resolution of PostgreSQL's timestamps; saturates instead of overflowing. */
  public static long micros(Duration d) {
    return TimeUnit.MICROSECONDS.convert(d);
  }

  /** Exact nanoseconds as stored; throws IllegalArgumentException naming {@code field} if too long. */
  public static long nanos(String field, Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(field + " is too long to store (over 292 years): " + d, e);
    }
  }
}
