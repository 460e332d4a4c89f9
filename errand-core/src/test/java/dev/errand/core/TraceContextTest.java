package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** W3C traceparent parsing and the rules for task headers. */
class TraceContextTest {
  private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void validTraceparentParsesIntoItsFields() {
    TraceContext c = TraceContext.parse(VALID, "rojo=00f067aa0ba902b7").orElseThrow();

    assertThat(c.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(c.spanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(c.sampled()).isTrue();
    assertThat(c.traceParent()).isEqualTo(VALID);
    assertThat(c.traceState()).isEqualTo("rojo=00f067aa0ba902b7");
  }

  @Test
  void malformedTraceparentsAreRejected() {
    assertThat(TraceContext.parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01", null)).isEmpty();
    assertThat(TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", null)).isEmpty();
    assertThat(TraceContext.parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null)).isEmpty();
    assertThat(TraceContext.parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", null)).isEmpty();
    assertThat(TraceContext.parse(VALID + "-extra", null)).as("version 00 has exactly four fields").isEmpty();
    assertThat(TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", null)).isEmpty();
    assertThat(TraceContext.parse("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null)).isEmpty();
    assertThat(TraceContext.parse(null, null)).isEmpty();
  }

  @Test
  void laterVersionMayCarryMoreFieldsAfterADash() {
    assertThat(TraceContext.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", null))
        .isPresent();
    assertThat(TraceContext.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", null)).isEmpty();
  }

  @Test
  void childKeepsTheTraceAndGetsANewNonZeroSpan() {
    long seed = System.nanoTime();
    System.out.println("childKeepsTheTraceAndGetsANewNonZeroSpan seed " + seed);
    TraceContext parent = TraceContext.parse(VALID, null).orElseThrow();
    TraceContext child = parent.child(new SplittableRandom(seed));

    assertThat(child.traceId()).isEqualTo(parent.traceId());
    assertThat(child.spanId()).isNotEqualTo(parent.spanId()).matches("[0-9a-f]{16}");
    assertThat(TraceContext.isValidTraceParent(child.traceParent())).isTrue();
  }

  @Test
  void badHeaderNamesAndValuesAreRefusedNamingTheHeader() {
    assertThatThrownBy(() -> TaskHeaders.check(Map.of("X-Tenant", "a")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("headers.X-Tenant");
    assertThatThrownBy(() -> TaskHeaders.check(Map.of("x tenant", "a")))
        .hasMessageStartingWith("headers.x tenant");
    assertThatThrownBy(() -> TaskHeaders.check(Map.of("x-tenant", "caf\u00e9")))
        .hasMessageStartingWith("headers.x-tenant must be printable ASCII");
    assertThatThrownBy(() -> TaskHeaders.check(Map.of("traceparent", "00-abc")))
        .hasMessageStartingWith("headers.traceparent must be a W3C traceparent");
    assertThatThrownBy(() -> TaskSpec.builder("t").header("traceparent",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01"))
        .hasMessageStartingWith("headers.traceparent");
  }

  @Test
  void headersTogetherAreBounded() {
    Map<String, String> big = new HashMap<>();
    for (int i = 0; i < 5; i++) {
      big.put("h" + i, "v".repeat(1000));
    }
    assertThatThrownBy(() -> TaskHeaders.check(big)).hasMessageContaining("exceed " + TaskHeaders.MAX_BYTES);
    big.remove("h4");
    assertThat(TaskHeaders.check(big)).hasSize(4);
  }

  @Test
  void specKeepsHeadersAndKindAndRemovesAHeaderSetToNull() {
    TaskSpec spec = TaskSpec.builder("t").kind("http").header("x-a", "1").header("x-b", "2").header("x-a", null)
        .build();

    assertThat(spec.kind()).isEqualTo("http");
    assertThat(spec.headers()).isEqualTo(Map.of("x-b", "2"));
    assertThat(TaskSpec.of("t", null).kind()).isEqualTo(TaskSpec.HANDLER_KIND);
    assertThat(TaskSpec.of("t", null).headers()).isEmpty();
  }
}
