package dev.errand.server;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The queues a bearer token may enqueue to, claim from and read: names such as {@code billing}, or
 * prefixes ending in {@code *} such as {@code mail.*} (every queue whose name starts with {@code mail.}).
 * {@link #ALL} (a token without {@code queues=}) keeps every queue. Immutable and thread-safe.
 */
public final class QueueScope {
  /** Every queue. */
  public static final QueueScope ALL = new QueueScope(List.of());
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
  private static final Pattern PREFIX = Pattern.compile("([a-z0-9][a-z0-9_.-]{0,62})?\\*");

  private final List<String> patterns; // empty: every queue

  private QueueScope(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
  }

  /**
   * Parses {@code billing,mail.*}: queue names and prefixes ending in {@code *}, separated by commas;
   * {@code *} alone is every queue.
   *
   * @throws IllegalArgumentException naming the pattern that is neither
   */
  public static QueueScope parse(String text) {
    List<String> patterns = new ArrayList<>();
    for (String p : text.split(",", -1)) {
      String pattern = p.strip();
      if (!NAME.matcher(pattern).matches() && !PREFIX.matcher(pattern).matches()) {
        throw new IllegalArgumentException("queue pattern '" + pattern + "' is neither a queue name ([a-z0-9][a-z0-9_.-]"
            + "{0,63}) nor a prefix ending in *");
      }
      if (pattern.equals("*")) {
        return ALL;
      }
      patterns.add(pattern);
    }
    return new QueueScope(patterns);
  }

  /** True if this scope keeps every queue. */
  public boolean isAll() {
    return patterns.isEmpty();
  }

  /** True if {@code queue} is in this scope. */
  public boolean permits(String queue) {
    if (patterns.isEmpty()) {
      return true;
    }
    for (String p : patterns) {
      if (p.endsWith("*") ? queue.startsWith(p.substring(0, p.length() - 1)) : queue.equals(p)) {
        return true;
      }
    }
    return false;
  }

  /** As in a tokens file: {@code billing,mail.*}, or {@code *} for every queue. */
  @Override
  public String toString() {
    return patterns.isEmpty() ? "*" : String.join(",", patterns);
  }
}
