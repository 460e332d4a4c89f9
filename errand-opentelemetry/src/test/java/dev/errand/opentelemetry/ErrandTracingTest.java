package dev.errand.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.TaskFailure;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.TraceContext;
import dev.errand.core.TypeDefaults;
import dev.errand.core.RetryPolicy;
import dev.errand.store.sqlite.SqliteStore;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task enqueued inside a span on one thread and run by a worker on another makes one trace: the
 * request, the enqueue's producer span under it, the run's consumer span under that, and the handler's
 * own span under the run, with the run's outcome on its span. A traceparent stored from outside (an HTTP
 * enqueue's header) makes the run a child of that remote span.
 */
class ErrandTracingTest {
  private static final String REMOTE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String REMOTE_SPAN = "00f067aa0ba902b7";
  @TempDir
  Path dir;
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private OpenTelemetrySdk otel;
  private Errand errand;
  private Tracer tracer;

  @BeforeEach
  void start() {
    otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
    tracer = otel.getTracer("test");
    errand = ErrandTracing.create(otel).install(Errand.builder().store(SqliteStore.open(dir))
        .pollInterval(Duration.ofMillis(50))
        .typeDefaults("flaky", new TypeDefaults(RetryPolicy.of(2, Duration.ofMillis(10), Duration.ofMillis(20)), null)))
        .build();
  }

  @AfterEach
  void stop() {
    errand.close();
    otel.close();
  }

  @Test
  void theRunContinuesTheTraceOfTheEnqueueOnAnotherThread() throws Exception {
    AtomicReference<String> handlerThread = new AtomicReference<>();
    errand.handle("send_email", Map.class, (task, payload) -> {
      handlerThread.set(Thread.currentThread().toString());
      tracer.spanBuilder("smtp").startSpan().end(); // the handler's own span, under the run's
      return null;
    });
    errand.start();

    Span request = tracer.spanBuilder("request").startSpan();
    TaskId id;
    try (Scope ignored = request.makeCurrent()) {
      id = errand.enqueue(TaskSpec.of("send_email", Map.of("to", "a@example.com"))).task().id();
    } finally {
      request.end();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
    await().atMost(Duration.ofSeconds(5)).until(() -> spans.getFinishedSpanItems().size() >= 4);

    SpanData root = span("request");
    SpanData create = span("create default");
    SpanData process = span("process default");
    SpanData smtp = span("smtp");
    assertThat(List.of(create, process, smtp)).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(root.getTraceId()));
    assertThat(create.getParentSpanId()).isEqualTo(root.getSpanId());
    assertThat(process.getParentSpanId()).isEqualTo(create.getSpanId());
    assertThat(smtp.getParentSpanId()).isEqualTo(process.getSpanId());
    assertThat(create.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(process.getAttributes().get(ErrandTracing.MESSAGING_SYSTEM)).isEqualTo("errand");
    assertThat(process.getAttributes().get(ErrandTracing.MESSAGE_ID)).isEqualTo(id.toString());
    assertThat(process.getAttributes().get(ErrandTracing.DESTINATION)).isEqualTo("default");
    assertThat(process.getAttributes().get(ErrandTracing.OUTCOME)).isEqualTo("succeeded");
    assertThat(process.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(handlerThread.get()).isNotEqualTo(Thread.currentThread().toString());
    assertThat(errand.get(id).headers().get("traceparent")).contains(create.getSpanId());
  }

  @Test
  void aFailedRunsSpanCarriesTheErrorAndTheNextAttemptIsInTheSameTrace() throws Exception {
    errand.handle("flaky", Map.class, (task, payload) -> {
      if (task.attempt() == 1) {
        throw new IllegalStateException("first try fails");
      }
      throw TaskFailure.permanent("second try gives up");
    });
    errand.start();

    Span request = tracer.spanBuilder("request").startSpan();
    TaskId id;
    try (Scope ignored = request.makeCurrent()) {
      id = errand.enqueue(TaskSpec.of("flaky", Map.of())).task().id();
    } finally {
      request.end();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> errand.get(id).state() == TaskState.DEAD);
    await().atMost(Duration.ofSeconds(5)).until(() -> runs().size() == 2);

    SpanData create = span("create default");
    assertThat(runs()).allSatisfy(run -> {
      assertThat(run.getParentSpanId()).isEqualTo(create.getSpanId());
      assertThat(run.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(run.getAttributes().get(ErrandTracing.OUTCOME)).isEqualTo("failed");
      assertThat(run.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
    });
    assertThat(runs()).extracting(r -> r.getAttributes().get(ErrandTracing.ATTEMPT)).containsExactlyInAnyOrder(1L, 2L);
  }

  /**
   * A task whose traceparent came from another process, as errand-server stores an HTTP request's
   * {@code traceparent} and {@code tracestate} headers with the tasks it enqueues: no span of this process
   * is around the enqueue, so the run's parent is the remote span itself, in the remote trace.
   */
  @Test
  void aTraceparentHeaderFromOutsideIsTheRunsRemoteParent() throws Exception {
    errand.handle("send_email", Map.class, (task, payload) -> {
      tracer.spanBuilder("smtp").startSpan().end();
      return null;
    });
    errand.start();

    TaskId id = errand.enqueue(TaskSpec.builder("send_email").payloadValue(Map.of())
        .header(TraceContext.TRACEPARENT, "00-" + REMOTE_TRACE + "-" + REMOTE_SPAN + "-01")
        .header(TraceContext.TRACESTATE, "congo=t61,rojo=00f067aa0ba902b7").build()).task().id();
    await().atMost(Duration.ofSeconds(10)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);

    // The run span ends before the task is marked done and SimpleSpanProcessor exports on end.
    assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName)
        .containsExactlyInAnyOrder("smtp", "process default"); // no producer span: nothing was current
    SpanData process = span("process default");
    assertThat(process.getTraceId()).isEqualTo(REMOTE_TRACE);
    assertThat(process.getParentSpanId()).isEqualTo(REMOTE_SPAN);
    assertThat(process.getParentSpanContext().isRemote()).isTrue();
    assertThat(process.getSpanContext().getTraceState().asMap())
        .isEqualTo(Map.of("congo", "t61", "rojo", "00f067aa0ba902b7"));
    assertThat(span("smtp").getParentSpanId()).isEqualTo(process.getSpanId());
    assertThat(errand.get(id).headers().get(TraceContext.TRACEPARENT)).contains(REMOTE_SPAN); // kept as given
  }

  /** The remote parent's sampled flag is kept: an unsampled caller's task leaves no span (parent-based sampler). */
  @Test
  void anUnsampledRemoteParentLeavesTheRunUnrecorded() {
    errand.handle("send_email", Map.class, (task, payload) -> {
      tracer.spanBuilder("smtp").startSpan().end();
      return null;
    });
    errand.start();

    TaskId id = errand.enqueue(TaskSpec.builder("send_email").payloadValue(Map.of())
        .header(TraceContext.TRACEPARENT, "00-" + REMOTE_TRACE + "-" + REMOTE_SPAN + "-00").build()).task().id();
    await().atMost(Duration.ofSeconds(10)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);

    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void anEnqueueOutsideAnyTraceStoresNone() {
    TaskId id = errand.enqueue(TaskSpec.of("untraced", Map.of())).task().id();

    assertThat(errand.get(id).headers()).doesNotContainKey("traceparent");
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }

  private List<SpanData> runs() {
    return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("process default")).toList();
  }

  private SpanData span(String name) {
    return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow(() ->
        new AssertionError("no span " + name + " in " + spans.getFinishedSpanItems()));
  }
}
