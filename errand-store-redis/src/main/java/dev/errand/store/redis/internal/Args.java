package dev.errand.store.redis.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A script's ARGV as bytes, built in order. Not thread-safe; not public API. */
public final class Args {
  private final List<byte[]> values = new ArrayList<>();

  public Args add(String value) {
    values.add(value.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  public Args add(long value) {
    return add(Long.toString(value));
  }

  public Args add(byte[] value) {
    values.add(value);
    return this;
  }

  /** A nullable string as the scripts take it: '' for none. */
  public Args addOrEmpty(String value) {
    return add(value == null ? "" : value);
  }

  public int size() {
    return values.size();
  }

  byte[][] toArray() {
    return values.toArray(new byte[0][]);
  }
}
