package dev.errand.core.internal;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Turns a throwable into the text kept as a task's lastError. Internal: not public API. */
public final class Failures {
  /** Long enough for a deep stack trace, short enough that a loop of failures cannot bloat the store. */
  static final int MAX_LENGTH = 16 * 1024;

  private Failures() {}

  public static String describe(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return truncate(out.toString());
  }

  public static String truncate(String text) {
    return text.length() <= MAX_LENGTH ? text : text.substring(0, MAX_LENGTH - 15) + "\n… (truncated)";
  }
}
