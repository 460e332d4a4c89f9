package dev.errand.opentelemetry;

import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;

/** The W3C {@code tracestate} header as text and back, as OpenTelemetry's propagator writes and reads it. */
final class W3cTraceState {
  private W3cTraceState() {}

  static String encode(TraceState state) {
    StringBuilder out = new StringBuilder();
    state.forEach((key, value) -> {
      if (!out.isEmpty()) {
        out.append(',');
      }
      out.append(key).append('=').append(value);
    });
    return out.toString();
  }

  /** Members that are not {@code key=value} are dropped, as the specification allows. */
  static TraceState decode(String header) {
    if (header == null || header.isBlank()) {
      return TraceState.getDefault();
    }
    TraceStateBuilder b = TraceState.builder();
    String[] members = header.split(",");
    // The header lists the newest member first; the builder puts each put() first, so add the oldest first.
    for (int i = members.length - 1; i >= 0; i--) {
      String m = members[i].trim();
      int eq = m.indexOf('=');
      if (eq > 0) {
        b.put(m.substring(0, eq), m.substring(eq + 1));
      }
    }
    return b.build();
  }
}
