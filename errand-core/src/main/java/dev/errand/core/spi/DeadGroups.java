package dev.errand.core.spi;

import dev.errand.core.TaskId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The answer of {@link DeadGroupStore#deadGroups}: one row per error line, queue and type, in no order;
 * {@code read} dead tasks were read, and {@code complete} says whether they were every match.
 */
public record DeadGroups(List<Group> groups, int read, boolean complete) {
  /** The longest error line a group is keyed by; longer first lines are cut to it. */
  public static final int MAX_MESSAGE = 300;

  public DeadGroups {
    groups = List.copyOf(groups);
  }

  /**
   * The key of {@code error}'s group, as the stores' indexes compute it: the first line, without spaces,
   * tabs or carriage returns at either end, cut to {@link #MAX_MESSAGE} characters; "" for none.
   */
  public static String errorLine(String error) {
    if (error == null) {
      return "";
    }
    int nl = error.indexOf('\n');
    String line = nl < 0 ? error : error.substring(0, nl);
    int start = 0;
    int end = line.length();
    while (start < end && isBlank(line.charAt(start))) {
      start++;
    }
    while (end > start && isBlank(line.charAt(end - 1))) {
      end--;
    }
    return line.substring(start, Math.min(end, start + MAX_MESSAGE));
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
  }

  /**
   * The dead tasks of one queue and type whose error's first line (stripped of spaces, tabs and carriage
   * returns at both ends, cut to {@link #MAX_MESSAGE} characters; "" for none) is {@code error}: how many,
   * the latest death and the task that died then.
   */
  public record Group(String error, String queue, String type, long count, Instant lastDiedAt, TaskId newest) {
    public Group {
      Objects.requireNonNull(error, "error");
      Objects.requireNonNull(queue, "queue");
      Objects.requireNonNull(type, "type");
    }
  }
}
