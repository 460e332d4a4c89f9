package dev.errand.server.metrics;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.TaskId;
import dev.errand.server.internal.ApiRoute;
import dev.errand.server.internal.JsonOut;
import dev.errand.server.internal.Requests;
import dev.errand.server.internal.Responses;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the dashboard shows of the last hour beside the store's counts, all from memory (nothing here
 * reads the store). {@code GET /v1/workers}: every worker seen in the last hour, live or gone (not seen
 * for longer than its lease, see {@link WorkerTracker}), with its queues, running tasks, attempts succeeded
 * and failed in the hour and when it was last seen. {@code GET /v1/stats/queues}: each queue's attempts
 * succeeded and failed in the last {@link QueueRates#MINUTES} minutes. Thread-safe.
 */
public final class ActivityRoutes {
  private final WorkerTracker tracker;
  private final WorkerActivity activity;
  private final QueueRates rates;

  public ActivityRoutes(WorkerTracker tracker, WorkerActivity activity, QueueRates rates) {
    this.tracker = tracker;
    this.activity = activity;
    this.rates = rates;
  }

  public List<ApiRoute> routes() {
    return List.of(
        new ApiRoute(HandlerType.GET, "/v1/workers", ApiRoute.READERS, this::workers),
        new ApiRoute(HandlerType.GET, "/v1/stats/queues", ApiRoute.READERS, this::queueRates));
  }

  /** A worker as listed: the tracker's liveness and count merged with its hour's activity. */
  record Row(String workerId, Instant seenAt, boolean gone, Integer running, WorkerActivity.Report hour) {}

  /** The live workers (the tracker's), then those of the last hour that are gone. */
  List<Row> rows() {
    Map<String, Row> rows = new LinkedHashMap<>();
    for (WorkerTracker.WorkerInfo w : tracker.alive()) {
      rows.put(w.workerId(), new Row(w.workerId(), w.seenAt(), false, w.running(), null));
    }
    for (WorkerActivity.Report r : activity.lastHour()) {
      Row live = rows.get(r.workerId());
      if (live == null) {
        rows.put(r.workerId(), new Row(r.workerId(), r.seenAt(), true, null, r));
      } else {
        Instant seen = live.seenAt().isAfter(r.seenAt()) ? live.seenAt() : r.seenAt();
        rows.put(r.workerId(), new Row(r.workerId(), seen, false, live.running(), r));
      }
    }
    return List.copyOf(rows.values());
  }

  private void workers(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("workers");
      for (Row row : rows()) {
        g.writeStartObject();
        g.writeStringField("workerId", row.workerId());
        out.instant("seenAt", row.seenAt());
        g.writeBooleanField("gone", row.gone());
        g.writeNumberField("running", row.running() == null ? 0 : row.running());
        g.writeArrayFieldStart("queues");
        for (String q : row.hour() == null ? List.<String>of() : row.hour().queues()) {
          g.writeString(q);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("runningTasks");
        for (TaskId id : row.hour() == null ? List.<TaskId>of() : row.hour().running()) {
          g.writeString(id.value());
        }
        g.writeEndArray();
        g.writeNumberField("succeededLastHour", row.hour() == null ? 0 : row.hour().succeeded());
        g.writeNumberField("failedLastHour", row.hour() == null ? 0 : row.hour().failed());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }

  private void queueRates(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeNumberField("minutes", QueueRates.MINUTES);
      g.writeObjectFieldStart("queues");
      for (Map.Entry<String, QueueRates.Rate> e : rates.lastMinutes().entrySet()) {
        g.writeObjectFieldStart(e.getKey());
        g.writeNumberField("succeeded", e.getValue().succeeded());
        g.writeNumberField("failed", e.getValue().failed());
        g.writeNumberField("failureRate", e.getValue().failureRate());
        g.writeEndObject();
      }
      g.writeEndObject();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }
}
