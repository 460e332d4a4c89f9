package dev.errand.bench;

import dev.errand.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Task payloads of an exact size: a JSON string of filler, quotes included. */
final class Payloads {
  private Payloads() {}

  static Json ofSize(int bytes) {
    if (bytes < 2) {
      throw new IllegalArgumentException("a JSON payload needs at least 2 bytes: " + bytes);
    }
    char[] filler = new char[bytes - 2];
    Arrays.fill(filler, 'x');
    return Json.of(('"' + new String(filler) + '"').getBytes(StandardCharsets.UTF_8));
  }
}
