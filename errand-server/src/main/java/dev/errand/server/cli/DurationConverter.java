package dev.errand.server.cli;

import dev.errand.server.internal.Durations;
import dev.errand.server.internal.FieldErrors;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/** Reads durations the way the API does: {@code 30s}, {@code 15m}, {@code 12h}, {@code 7d} or ISO-8601. */
final class DurationConverter implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    FieldErrors errors = new FieldErrors();
    Duration d = Durations.duration("duration", value, false, errors);
    if (d == null) {
      throw new IllegalArgumentException("not a positive duration such as 30s, 12h or 7d: " + value);
    }
    return d;
  }
}
