package dev.errand.bench;

import java.util.Arrays;

/**
 * A request body built as ASCII bytes in a buffer reused from request to request, so the load generator
 * makes no string and no copy per request beyond the bytes it sends. Holds only what the bench writes
 * (ids, names, numbers and payloads of ASCII filler). Not thread-safe: one per sending thread.
 */
final class RequestBody {
  private byte[] bytes;
  private int length;

  RequestBody(int initialCapacity) {
    bytes = new byte[initialCapacity];
  }

  void reset() {
    length = 0;
  }

  RequestBody append(String ascii) {
    int n = ascii.length();
    room(n);
    for (int i = 0; i < n; i++) {
      bytes[length++] = (byte) ascii.charAt(i);
    }
    return this;
  }

  RequestBody append(char c) {
    room(1);
    bytes[length++] = (byte) c;
    return this;
  }

  RequestBody append(int i) {
    return append(Integer.toString(i));
  }

  /** The buffer, valid in {@code [0, length())} until the next change. */
  byte[] bytes() {
    return bytes;
  }

  int length() {
    return length;
  }

  private void room(int n) {
    if (length + n > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(length + n, bytes.length * 2));
    }
  }
}
