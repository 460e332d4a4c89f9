package dev.errand.bench.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.core.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Payload handling: what {@link Json} costs at each step a payload takes. {@code check} is
 * {@link Json#of(byte[])} (copy, then one streaming pass to prove the bytes are one JSON value), paid
 * once per enqueued payload; {@code decode} turns the bytes into the handler's type, once per run;
 * {@code encode} is {@link Json#encode} of a Java value, as {@code TaskSpec.of(type, value)} does. A
 * store hands back the bytes it stored through {@link Json#ofTrusted}, which neither copies nor checks.
 *
 * <pre>./errand bench jmh JsonBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonBenchmark {
  /** A typical task payload: an address, a subject, and a body that sets the size. */
  public record Email(String to, String subject, String body) {}

  /** Encoded size of the payload in bytes. */
  @Param({"64", "1024", "16384"})
  int payloadBytes;

  private final ObjectMapper mapper = Json.DEFAULT_MAPPER;
  byte[] bytes;
  Json json;
  Email email;

  @Setup
  public void setUp() throws IOException {
    int overhead = Json.encode(new Email("someone@example.com", "Your receipt", "")).size();
    email = new Email("someone@example.com", "Your receipt", "x".repeat(Math.max(0, payloadBytes - overhead)));
    json = Json.encode(email, mapper);
    bytes = json.asString().getBytes(StandardCharsets.UTF_8);
    if (bytes.length != Math.max(payloadBytes, overhead) || !json.decode(Email.class, mapper).equals(email)) {
      throw new IllegalStateException("the payload is " + bytes.length + " bytes, wanted " + payloadBytes);
    }
  }

  @Benchmark
  public Json check() {
    return Json.of(bytes);
  }

  @Benchmark
  public Email decode() throws IOException {
    return json.decode(Email.class, mapper);
  }

  @Benchmark
  public Json encode() {
    return Json.encode(email, mapper);
  }
}
