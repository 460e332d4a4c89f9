package dev.errand.server.httptarget;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.server.internal.ApiRoute;
import dev.errand.server.internal.JsonOut;
import dev.errand.server.internal.Requests;
import dev.errand.server.internal.Responses;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/stats/targets}: the requests of target tasks made by this server since it started, per
 * host, from the meters of {@link TargetMetrics} (the same numbers {@code /metrics} shows): how many, by
 * status or error, and their mean and recent maximum latency. What the dashboard's target table shows.
 * Thread-safe.
 */
public final class TargetStatsRoutes {
  private final MeterRegistry registry;

  public TargetStatsRoutes(MeterRegistry registry) {
    this.registry = registry;
  }

  public List<ApiRoute> routes() {
    return List.of(new ApiRoute(HandlerType.GET, "/v1/stats/targets", ApiRoute.READERS, this::targets));
  }

  /** One host's requests so far. */
  record Host(long requests, Map<String, Long> statuses, double meanMs, double maxMs) {}

  /** Every host a target request went to, by name. */
  Map<String, Host> hosts() {
    Map<String, Map<String, Long>> statuses = new TreeMap<>();
    for (Counter c : registry.find(TargetMetrics.REQUESTS).counters()) {
      statuses.computeIfAbsent(c.getId().getTag("host"), h -> new TreeMap<>())
          .merge(c.getId().getTag("status"), (long) c.count(), Long::sum);
    }
    Map<String, Host> hosts = new TreeMap<>();
    for (Timer t : registry.find(TargetMetrics.LATENCY).timers()) {
      String host = t.getId().getTag("host");
      Map<String, Long> byStatus = statuses.getOrDefault(host, Map.of());
      hosts.put(host, new Host(t.count(), byStatus, t.mean(TimeUnit.MILLISECONDS), t.max(TimeUnit.MILLISECONDS)));
    }
    return hosts;
  }

  private void targets(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("hosts");
      for (Map.Entry<String, Host> e : hosts().entrySet()) {
        Host h = e.getValue();
        g.writeStartObject();
        g.writeStringField("host", e.getKey());
        g.writeNumberField("requests", h.requests());
        g.writeObjectFieldStart("statuses");
        for (Map.Entry<String, Long> s : h.statuses().entrySet()) {
          g.writeNumberField(s.getKey(), s.getValue());
        }
        g.writeEndObject();
        g.writeNumberField("latencyMeanMs", Math.round(h.meanMs() * 100) / 100.0);
        g.writeNumberField("latencyMaxMs", Math.round(h.maxMs() * 100) / 100.0);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }
}
