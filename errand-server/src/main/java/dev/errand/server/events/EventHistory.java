package dev.errand.server.events;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last {@code capacity} events, each numbered by a sequence that starts at 1 and only grows, so that
 * a page opened now shows what just happened and a stream that reconnects (SSE {@code Last-Event-ID})
 * resumes where it stopped. Adding is lock-free and constant-time (one counter, one array slot): it sits
 * on the path of every task change. A reader may miss an event overwritten while it reads; it never sees
 * one twice or out of order. Thread-safe.
 */
final class EventHistory {
  /** An event and its number. */
  record Numbered(long seq, TaskEvent event) {}

  private final AtomicLong last = new AtomicLong();
  private final AtomicReferenceArray<Numbered> ring;

  EventHistory(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    ring = new AtomicReferenceArray<>(capacity);
  }

  /** Records {@code e}; returns its number. */
  long add(TaskEvent e) {
    long seq = last.incrementAndGet();
    ring.set((int) (seq % ring.length()), new Numbered(seq, e));
    return seq;
  }

  /** The number of the latest event, 0 before the first. */
  long lastSeq() {
    return last.get();
  }

  /**
   * The kept events numbered above {@code after} whose queue is {@code queue} (any if null), oldest
   * first, at most the newest {@code limit} of them.
   */
  List<Numbered> after(long after, String queue, int limit) {
    long newest = last.get();
    long from = Math.max(after, newest - ring.length()) + 1;
    List<Numbered> out = new ArrayList<>();
    for (long seq = newest; seq >= from && out.size() < limit; seq--) {
      Numbered n = ring.get((int) (seq % ring.length()));
      // a slot overwritten since (a newer number) or not yet written (an older one) is skipped
      if (n != null && n.seq() == seq && (queue == null || queue.equals(n.event().queue()))) {
        out.add(n);
      }
    }
    return out.reversed();
  }
}
