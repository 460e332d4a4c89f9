package dev.errand.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options in a {@code java @file} argument file, as the report records them: each line's words
 * before any {@code #}. Enough for the plain flags the server's options file holds (no quoting).
 */
final class JvmOptions {
  private JvmOptions() {}

  static List<String> read(Path file) {
    List<String> options = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file)) {
        int hash = line.indexOf('#');
        String kept = (hash < 0 ? line : line.substring(0, hash)).strip();
        if (!kept.isEmpty()) {
          options.addAll(List.of(kept.split("\\s+")));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the JVM options file " + file, e);
    }
    return options;
  }
}
