package dev.errand.bench.jmh;

/**
 * A hand-written check of {@code dev.errand.core.TaskId}'s rule, {@code [A-Za-z0-9][A-Za-z0-9_.:-]{0,63}},
 * for {@link TaskIdBenchmark} to compare with the regular expression. A candidate for core, which
 * keeps its regular expression until its owner decides; the bench's tests check the two agree.
 */
public final class TaskIdFormat {
  private TaskIdFormat() {}

  public static boolean isValid(String s) {
    int n = s.length();
    if (n == 0 || n > 64 || !isAlphanumeric(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = s.charAt(i);
      if (!isAlphanumeric(c) && c != '_' && c != '.' && c != ':' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean isAlphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
}
