package dev.errand.server.metrics;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.server.internal.ApiRoute;
import dev.errand.server.internal.JsonOut;
import dev.errand.server.internal.Requests;
import dev.errand.server.internal.Responses;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code GET /metrics}, the Prometheus text exposition, and {@code GET /v1/stats}, the last hour's
 * throughput by minute and the live workers, which the dashboard draws. Both need a reading token
 * (Prometheus sends one with {@code authorization: {credentials: ...}}). Thread-safe.
 */
public final class MetricsRoutes {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Supplier<String> scrape;
  private final WorkerTracker workers;
  private final Throughput throughput;

  public MetricsRoutes(Supplier<String> scrape, WorkerTracker workers, Throughput throughput) {
    this.scrape = scrape;
    this.workers = workers;
    this.throughput = throughput;
  }

  public List<ApiRoute> routes() {
    return List.of(
        new ApiRoute(HandlerType.GET, "/metrics", ApiRoute.READERS, this::metrics),
        new ApiRoute(HandlerType.GET, "/v1/stats", ApiRoute.READERS, this::stats));
  }

  private void metrics(Context ctx) {
    Requests.query(ctx, Set.of());
    ctx.status(200).contentType(PROMETHEUS_TEXT).result(scrape.get().getBytes(StandardCharsets.UTF_8));
  }

  private void stats(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("minutes");
      for (Throughput.Bucket b : throughput.lastHour()) {
        g.writeStartObject();
        out.instant("start", b.start());
        g.writeNumberField("enqueued", b.enqueued());
        g.writeNumberField("succeeded", b.succeeded());
        g.writeNumberField("retried", b.retried());
        g.writeNumberField("dead", b.dead());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("workers");
      for (WorkerTracker.WorkerInfo w : workers.alive()) {
        g.writeStartObject();
        g.writeStringField("workerId", w.workerId());
        out.instant("seenAt", w.seenAt());
        g.writeNumberField("running", w.running());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }
}
