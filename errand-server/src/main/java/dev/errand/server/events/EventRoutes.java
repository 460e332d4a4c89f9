package dev.errand.server.events;

import dev.errand.server.internal.ApiRoute;
import dev.errand.server.internal.FieldErrors;
import dev.errand.server.internal.Requests;
import dev.errand.server.internal.Responses;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/events?queue=}: task state changes as Server-Sent Events, one JSON {@link TaskEvent} per
 * {@code data:} line after an {@code id:} line with the event's number. A client that sends
 * {@code Last-Event-ID} (or {@code ?after=}) first gets the kept events numbered above it (see
 * {@link EventHub#recent}), then the live ones, none twice. {@code GET /v1/events/recent?queue=&limit=}
 * answers the kept events as JSON, oldest first, with {@code last}, the number to resume a stream after.
 * A comment line every {@link #KEEP_ALIVE} keeps proxies from closing an idle stream.
 * The stream ends when the client goes, when it is too slow and its buffer fills (a last {@code dropped}
 * event tells it to reconnect), or when the server stops. Each stream holds one virtual thread.
 */
public final class EventRoutes {
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  /** How often a quiet stream checks whether it has ended. */
  private static final Duration TICK = Duration.ofMillis(500);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PING = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DROPPED = "event: dropped\ndata: {\"reason\":\"the client read too slowly\"}\n\n"
      .getBytes(StandardCharsets.US_ASCII);

  private final EventHub hub;

  public EventRoutes(EventHub hub) {
    this.hub = hub;
  }

  public List<ApiRoute> routes() {
    return List.of(new ApiRoute(HandlerType.GET, "/v1/events", ApiRoute.READERS, this::stream),
        new ApiRoute(HandlerType.GET, "/v1/events/recent", ApiRoute.READERS, this::recent));
  }

  private void recent(Context ctx) throws IOException {
    Map<String, String> q = Requests.query(ctx, Set.of("queue", "limit"));
    FieldErrors errors = new FieldErrors();
    String queue = Requests.name(q, "queue", errors);
    int limit = Requests.integer(q, "limit", EventHub.HISTORY, 1, EventHub.HISTORY, errors);
    errors.throwIfAny();
    long last = hub.lastSeq();
    List<EventHub.Recent> events = hub.recent(0, queue, limit);
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 200 * events.size());
    out.write("{\"events\":[".getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < events.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.write(events.get(i).json());
      last = Math.max(last, events.get(i).seq());
    }
    out.write(("],\"last\":" + last + "}").getBytes(StandardCharsets.US_ASCII));
    Responses.json(ctx, 200, out.toByteArray());
  }

  private void stream(Context ctx) throws InterruptedException {
    Map<String, String> q = Requests.query(ctx, Set.of("queue", "after"));
    FieldErrors errors = new FieldErrors();
    String queue = Requests.name(q, "queue", errors);
    String resume = q.get("after") != null ? q.get("after") : ctx.header("Last-Event-ID");
    long after = -1;
    if (resume != null && !resume.isBlank()) {
      try {
        after = Long.parseLong(resume.strip());
      } catch (NumberFormatException e) {
        after = -1;
      }
      if (after < 0) {
        errors.add(q.get("after") != null ? "after" : "Last-Event-ID", "must be an event number: " + resume);
      }
    }
    errors.throwIfAny();
    ctx.status(200);
    ctx.res().setContentType("text/event-stream;charset=utf-8");
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no"); // a proxy in front must not buffer the stream
    try (Subscription s = hub.subscribe(queue)) {
      OutputStream out = ctx.res().getOutputStream();
      out.write(": connected\n\n".getBytes(StandardCharsets.US_ASCII));
      // Subscribed first, then the history: an event in both is sent once, from the history.
      long sent = after;
      if (after >= 0) {
        for (EventHub.Recent e : hub.recent(after, queue, EventHub.HISTORY)) {
          write(out, e);
          sent = e.seq();
        }
      }
      out.flush();
      long quietSince = System.nanoTime();
      while (!s.ended()) {
        EventHub.Recent event = s.nextNumbered(TICK);
        if (event != null && event.seq() > sent) {
          write(out, event);
          out.flush();
          quietSince = System.nanoTime();
        } else if (System.nanoTime() - quietSince >= KEEP_ALIVE.toNanos()) {
          out.write(PING);
          out.flush();
          quietSince = System.nanoTime();
        }
      }
      if (s.dropped()) {
        out.write(DROPPED);
        out.flush();
      }
    } catch (IOException e) {
      // the client went away: nothing to answer
    }
  }

  private static void write(OutputStream out, EventHub.Recent e) throws IOException {
    out.write(("id: " + e.seq() + "\n").getBytes(StandardCharsets.US_ASCII));
    out.write(DATA);
    out.write(e.json());
    out.write(END);
  }
}
