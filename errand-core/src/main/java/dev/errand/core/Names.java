package dev.errand.core;

import java.util.regex.Pattern;

/** The alphabet of queue and type names: {@code [a-z0-9][a-z0-9_.-]{0,63}}. */
public final class Names {
  public static final String PATTERN = "[a-z0-9][a-z0-9_.-]{0,63}";
  private static final Pattern NAME = Pattern.compile(PATTERN);

  private Names() {}

  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** Returns {@code name} or throws IllegalArgumentException naming {@code field} and the value. */
  public static String require(String field, String name) {
    if (!isValid(name)) {
      throw new IllegalArgumentException(field + " must match " + PATTERN + ": " + name);
    }
    return name;
  }
}
