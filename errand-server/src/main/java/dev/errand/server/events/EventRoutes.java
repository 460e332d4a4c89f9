package dev.errand.server.events;

import dev.errand.server.internal.ApiRoute;
import dev.errand.server.internal.FieldErrors;
import dev.errand.server.internal.Requests;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/events?queue=}: task state changes as Server-Sent Events, one JSON {@link TaskEvent} per
 * {@code data:} line. A comment line every {@link #KEEP_ALIVE} keeps proxies from closing an idle stream.
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
    return List.of(new ApiRoute(HandlerType.GET, "/v1/events", ApiRoute.READERS, this::stream));
  }

  private void stream(Context ctx) throws InterruptedException {
    Map<String, String> q = Requests.query(ctx, Set.of("queue"));
    FieldErrors errors = new FieldErrors();
    String queue = Requests.name(q, "queue", errors);
    errors.throwIfAny();
    ctx.status(200);
    ctx.res().setContentType("text/event-stream;charset=utf-8");
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no"); // a proxy in front must not buffer the stream
    try (Subscription s = hub.subscribe(queue)) {
      OutputStream out = ctx.res().getOutputStream();
      out.write(": connected\n\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long quietSince = System.nanoTime();
      while (!s.ended()) {
        byte[] event = s.next(TICK);
        if (event != null) {
          out.write(DATA);
          out.write(event);
          out.write(END);
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
}
