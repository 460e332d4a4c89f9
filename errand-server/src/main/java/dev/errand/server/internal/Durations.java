package dev.errand.server.internal;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the API's times: durations as {@code 250ms}, {@code 30s}, {@code 15m}, {@code 1h}, {@code 2d} or
 * ISO-8601 ({@code PT30S}), and instants as RFC 3339 with an offset. Results are bounded so that no store
 * overflows when it adds them to a clock reading. Each method returns null and records the error.
 */
public final class Durations {
  /** Ten years: longer delays and timeouts are almost surely unit mistakes. */
  public static final Duration MAX = Duration.ofDays(3650);
  private static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59Z");
  private static final Pattern SHORT = Pattern.compile("(\\d{1,10})(ms|s|m|h|d)");

  private Durations() {}

  /** A duration in {@code 0..MAX} (zero only if {@code allowZero}); null if absent or invalid. */
  public static Duration duration(String field, String text, boolean allowZero, FieldErrors errors) {
    if (text == null) {
      return null;
    }
    Duration d = parse(text);
    if (d == null) {
      errors.add(field, "must be a duration such as 250ms, 30s, 15m, 1h, 2d or PT30S: " + quote(text));
      return null;
    }
    if (d.isNegative()) {
      errors.add(field, "must not be negative: " + quote(text));
      return null;
    }
    if (d.isZero() && !allowZero) {
      errors.add(field, "must be positive: " + quote(text));
      return null;
    }
    if (d.compareTo(MAX) > 0) {
      errors.add(field, "must be at most " + MAX.toDays() + " days: " + quote(text));
      return null;
    }
    return d;
  }

  private static Duration parse(String text) {
    Matcher m = SHORT.matcher(text);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    if (text.length() > 64) {
      return null;
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeException | ArithmeticException e) {
      return null;
    }
  }

  /** An RFC 3339 instant with an offset, between 1970 and 9999; null if absent or invalid. */
  public static Instant instant(String field, String text, FieldErrors errors) {
    if (text == null) {
      return null;
    }
    try {
      Instant i = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      if (i.isBefore(Instant.EPOCH) || i.isAfter(MAX_INSTANT)) {
        errors.add(field, "must be between 1970 and 9999: " + quote(text));
        return null;
      }
      return i;
    } catch (DateTimeException e) {
      errors.add(field, "must be an RFC 3339 time with an offset, such as 2030-01-01T12:00:00Z: " + quote(text));
      return null;
    }
  }

  /** Echoes a client value in an error message, cut short so a message never carries a huge input. */
  static String quote(String text) {
    return text.length() <= 40 ? "\"" + text + "\"" : "\"" + text.substring(0, 40) + "…\"";
  }
}
