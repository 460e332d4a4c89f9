package dev.errand.server.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns listener calls into {@link TaskEvent}s, encodes each once as JSON and offers it to every
 * subscription that wants it, and, when enabled, logs it: logger {@code dev.errand.server.events}, INFO,
 * the message one JSON object (the event's fields after {@code "server"}, this hub's name, and without
 * the error text, which may hold data a log should not). The server's logging configuration writes that
 * logger's messages bare, one object per line, for log shippers. The last {@link #HISTORY} events are
 * kept, numbered, whether anyone listens or not ({@link #recent}), so a dashboard opened now shows what
 * just happened and a stream resumes after the last number it saw. Publishing never blocks: a
 * subscription whose buffer is full is dropped. Thread-safe; never throws.
 */
public final class EventHub implements ErrandListener, AutoCloseable {
  /** The event log: a logger of its own, so that its lines can be written as bare JSON. */
  private static final Logger log = LoggerFactory.getLogger("dev.errand.server.events");
  private static final JsonFactory JSON = JsonFactory.builder()
      .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build(); // see JsonOut
  public static final int DEFAULT_BUFFER = 1024;
  /** How many of the latest events are kept: a page's worth of an incident, a few hundred bytes each. */
  public static final int HISTORY = 500;

  private final Clock clock;
  private final int bufferSize;
  private final boolean logEvents;
  private final String name;
  private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
  private final EventHistory history = new EventHistory(HISTORY);
  private volatile boolean closed;

  public EventHub(String name, Clock clock, int bufferSize, boolean logEvents) {
    if (bufferSize < 1) {
      throw new IllegalArgumentException("bufferSize must be positive: " + bufferSize);
    }
    this.name = name;
    this.clock = clock;
    this.bufferSize = bufferSize;
    this.logEvents = logEvents;
  }

  /** Subscribes to the events of {@code queue}, or of every queue if null. Close it when done. */
  public Subscription subscribe(String queue) {
    Subscription s = new Subscription(this, queue, bufferSize);
    subscriptions.add(s);
    if (closed) {
      s.end();
    }
    return s;
  }

  void remove(Subscription s) {
    subscriptions.remove(s);
  }

  /** An event as it is sent: its number and its JSON (with the error text). */
  public record Recent(long seq, byte[] json) {}

  /**
   * The kept events numbered above {@code after} (0 for all) of {@code queue} (any if null), oldest
   * first, at most the newest {@code limit}. Events that cannot be encoded are left out.
   */
  public List<Recent> recent(long after, String queue, int limit) {
    List<Recent> out = new ArrayList<>();
    for (EventHistory.Numbered n : history.after(after, queue, limit)) {
      try {
        out.add(new Recent(n.seq(), encode(n.event(), true, null)));
      } catch (IOException | RuntimeException e) {
        // as in publish: an event that cannot be encoded is lost, not the reader's page
      }
    }
    return out;
  }

  /** The number of the latest event, 0 before the first. */
  public long lastSeq() {
    return history.lastSeq();
  }

  /** How many clients are subscribed. */
  public int subscribers() {
    return subscriptions.size();
  }

  /** Ends every subscription; their readers finish their streams. */
  @Override
  public void close() {
    closed = true;
    subscriptions.forEach(Subscription::end);
  }

  public void publish(TaskEvent e) {
    long seq = history.add(e);
    if (subscriptions.isEmpty() && !logEvents) {
      return;
    }
    byte[] json;
    try {
      json = encode(e, true, null);
      if (logEvents) {
        log.info(new String(encode(e, false, name), StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException ex) {
      return; // a listener never throws; an event that cannot be encoded is lost, not the task
    }
    for (Subscription s : subscriptions) {
      if (s.wants(e) && !s.offer(seq, json)) {
        subscriptions.remove(s);
      }
    }
  }

  /** The event as JSON; with its error text if {@code withError}, after a "server" field if {@code server}. */
  static byte[] encode(TaskEvent e, boolean withError, String server) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      if (server != null) {
        g.writeStringField("server", server);
      }
      g.writeStringField("kind", e.kind());
      g.writeStringField("id", e.id());
      g.writeStringField("queue", e.queue());
      g.writeStringField("type", e.type());
      g.writeStringField("state", e.state().name());
      g.writeNumberField("attempt", e.attempt());
      g.writeStringField("at", e.at().toString());
      if (withError && e.error() != null) {
        g.writeStringField("error", e.error());
      }
      if (e.progress() != null) {
        g.writeFieldName("progress");
        g.writeRawValue(e.progress().asString());
      }
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private void publish(String kind, Task task, TaskState state, String error) {
    publish(TaskEvent.of(kind, task, state, clock.instant(), error));
  }

  /** A remote worker reported {@code task}'s progress (as read after the heartbeat that carried it). */
  public void progressed(Task task) {
    publish("progress", task, task.state(), null);
  }

  @Override
  public void enqueued(Task task) {
    publish("enqueued", task, task.state(), null);
  }

  @Override
  public void claimed(Task task) {
    publish("started", task, TaskState.RUNNING, null);
  }

  @Override
  public void succeeded(Task task, Duration runTime) {
    publish("succeeded", task, TaskState.SUCCEEDED, null);
  }

  @Override
  public void retrying(Task task, String error, Duration retryIn) {
    publish("retrying", task, TaskState.RETRYING, error);
  }

  @Override
  public void dead(Task task, String error) {
    publish("dead", task, TaskState.DEAD, error);
  }

  @Override
  public void released(Task task) {
    publish("released", task, TaskState.READY, null);
  }

  @Override
  public void leaseLost(Task task) {
    publish("lease_lost", task, task.state(), null);
  }

  @Override
  public void cancelled(Task task) {
    publish("cancelled", task, TaskState.CANCELLED, null);
  }
}
