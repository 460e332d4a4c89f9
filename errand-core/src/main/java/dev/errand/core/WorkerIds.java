package dev.errand.core;

/**
 * The rule for worker ids, kept once for the builder, every claim and the server's worker protocol: 1 to
 * {@value #MAX_LENGTH} characters, not all blank. A worker id is free text otherwise (a host, a pid).
 */
public final class WorkerIds {
  public static final int MAX_LENGTH = 200;
  /** What a bad worker id is told, after the field's name. */
  public static final String RULE = "must be 1.." + MAX_LENGTH + " characters, not blank";

  private WorkerIds() {}

  public static boolean isValid(String workerId) {
    return workerId != null && workerId.length() <= MAX_LENGTH && !workerId.isBlank();
  }

  /** Returns {@code workerId} or throws IllegalArgumentException naming {@code field} and the value. */
  public static String require(String field, String workerId) {
    if (!isValid(workerId)) {
      throw new IllegalArgumentException(field + " " + RULE + ": " + workerId);
    }
    return workerId;
  }
}
