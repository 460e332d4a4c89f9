package dev.errand.core;

import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A W3C trace context (https://www.w3.org/TR/trace-context/): the trace a task was enqueued in, kept in
 * its {@link TaskSpec#headers() headers} as {@code traceparent} and {@code tracestate}, and restored
 * around each run as a child span (see {@link TaskContext#traceContext()}), so that a tracing library can
 * continue the trace from the enqueue to the run.
 *
 * @param traceId 32 lower-case hex digits, not all zero
 * @param spanId 16 lower-case hex digits, not all zero: the enqueuer's span, or the run's own span
 * @param flags the trace flags, 2 lower-case hex digits ({@code 01} = sampled)
 * @param traceState the vendor-specific {@code tracestate}, or null
 */
public record TraceContext(String traceId, String spanId, String flags, String traceState) {
  public static final String TRACEPARENT = "traceparent";
  public static final String TRACESTATE = "tracestate";
  private static final int TRACEPARENT_LENGTH = 55;
  private static final HexFormat HEX = HexFormat.of();

  public TraceContext {
    if (!isHex(traceId, 32)) {
      throw new IllegalArgumentException("traceId must be 32 lower-case hex digits, not all zero: " + traceId);
    }
    if (!isHex(spanId, 16)) {
      throw new IllegalArgumentException("spanId must be 16 lower-case hex digits, not all zero: " + spanId);
    }
    if (flags == null || flags.length() != 2 || !isLowerHex(flags)) {
      throw new IllegalArgumentException("flags must be 2 lower-case hex digits: " + flags);
    }
  }

  /**
   * Parses a {@code traceparent} header: {@code version-traceid-parentid-flags}. Version {@code 00} must
   * be exactly that long; a later version may carry more fields after a dash, which are ignored, as the
   * specification asks. Empty for anything invalid, including all-zero ids and version {@code ff}.
   */
  public static Optional<TraceContext> parse(String traceParent, String traceState) {
    if (!isValidTraceParent(traceParent)) {
      return Optional.empty();
    }
    return Optional.of(new TraceContext(traceParent.substring(3, 35), traceParent.substring(36, 52),
        traceParent.substring(53, 55), traceState));
  }

  /** The trace context held in task headers, if their {@code traceparent} is valid. */
  public static Optional<TraceContext> from(Map<String, String> headers) {
    String parent = headers.get(TRACEPARENT);
    return parent == null ? Optional.empty() : parse(parent, headers.get(TRACESTATE));
  }

  /** Whether {@code value} is a {@code traceparent} this class accepts; see {@link #parse}. */
  public static boolean isValidTraceParent(String value) {
    if (value == null || value.length() < TRACEPARENT_LENGTH) {
      return false;
    }
    String version = value.substring(0, 2);
    if (!isLowerHex(version) || version.equals("ff")) {
      return false;
    }
    if (version.equals("00") ? value.length() != TRACEPARENT_LENGTH
        : value.length() > TRACEPARENT_LENGTH && value.charAt(TRACEPARENT_LENGTH) != '-') {
      return false;
    }
    return value.charAt(2) == '-' && value.charAt(35) == '-' && value.charAt(52) == '-'
        && isHex(value.substring(3, 35), 32) && isHex(value.substring(36, 52), 16)
        && isLowerHex(value.substring(53, 55));
  }

  /** The same trace with a new span id: the span of a run whose parent is this one. */
  public TraceContext child(RandomGenerator random) {
    String span;
    do {
      span = HEX.toHexDigits(random.nextLong());
    } while (span.equals("0000000000000000"));
    return new TraceContext(traceId, span, flags, traceState);
  }

  /** This context as a version 00 {@code traceparent} header. */
  public String traceParent() {
    return "00-" + traceId + "-" + spanId + "-" + flags;
  }

  public boolean sampled() {
    return (HexFormat.fromHexDigits(flags) & 1) == 1;
  }

  private static boolean isHex(String s, int length) {
    return s != null && s.length() == length && isLowerHex(s) && !s.chars().allMatch(c -> c == '0');
  }

  private static boolean isLowerHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return traceParent() + (traceState != null ? " " + TRACESTATE + "=" + Objects.toString(traceState) : "");
  }
}
