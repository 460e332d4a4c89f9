package dev.errand.server.events;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One client's view of the event stream: a bounded buffer of encoded events of one queue (or all). The
 * hub only ever offers to the buffer; when it is full the subscription is dropped, so a slow client
 * loses its stream instead of slowing the threads that move tasks. One reader thread at a time.
 */
public final class Subscription implements AutoCloseable {
  private final EventHub hub;
  private final String queue;
  private final BlockingQueue<EventHub.Recent> buffer;
  private volatile boolean ended;
  private volatile boolean dropped;

  Subscription(EventHub hub, String queue, int capacity) {
    this.hub = hub;
    this.queue = queue;
    this.buffer = new ArrayBlockingQueue<>(capacity);
  }

  boolean wants(TaskEvent e) {
    return queue == null || queue.equals(e.queue());
  }

  /** Never blocks; false if the buffer was full and the subscription is now dropped. */
  boolean offer(long seq, byte[] event) {
    if (buffer.offer(new EventHub.Recent(seq, event))) {
      return true;
    }
    dropped = true;
    ended = true;
    return false;
  }

  /** The next event as JSON, or null if none came within {@code wait} or the subscription has ended. */
  public byte[] next(Duration wait) throws InterruptedException {
    EventHub.Recent e = nextNumbered(wait);
    return e == null ? null : e.json();
  }

  /** The next event with its number, or null if none came within {@code wait} or the subscription ended. */
  public EventHub.Recent nextNumbered(Duration wait) throws InterruptedException {
    if (ended) {
      return null;
    }
    return buffer.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** True once the hub closed or dropped this subscription: the reader should end the stream. */
  public boolean ended() {
    return ended;
  }

  /** True if the client was too slow and events were lost. */
  public boolean dropped() {
    return dropped;
  }

  void end() {
    ended = true;
  }

  @Override
  public void close() {
    ended = true;
    hub.remove(this);
  }
}
