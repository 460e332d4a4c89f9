package dev.errand.store.sqlite.internal;

import dev.errand.core.spi.WaitRequest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * A worker's wait for work: the in-process {@link WorkSignal} raised after each commit that adds work,
 * bounded by the next due task in the waited queues, so delayed tasks start on time
 * without polling. Thread-safe. Not public API.
 */
public final class WorkWait {
  /**
   * How soon a waiter looks again at a limited queue that has READY tasks: a claim may have found it at
   * its cap or out of tokens, and neither a freed slot nor a new token raises a signal.
   */
  private static final long LIMIT_RECHECK_MICROS = 50_000;

  private final ReadPool readers;
  private final WorkSignal signal;
  private final Clock clock;

  public WorkWait(ReadPool readers, WorkSignal signal, Clock clock) {
    this.readers = readers;
    this.signal = signal;
    this.clock = clock;
  }

  /**
   * Returns at once if a waited queue has claimable work; otherwise waits for a commit that signals one
   * of the queues, for the next delayed task in them, or for {@code maxWait}.
   */
  public void await(WaitRequest request) throws InterruptedException {
    // The version is read before the database, so a commit after the look still wakes this wait.
    long seen = signal.version(request.queues());
    long waitNanos = Math.min(Micros.nanos(request.maxWait()), untilWork(request).toNanos());
    if (waitNanos <= 0) {
      return;
    }
    signal.await(request.queues(), seen, System.nanoTime() + waitNanos);
  }

  /**
   * Zero if work is claimable now in a waited queue, else how long until some may be: at most a day, so
   * the deadline arithmetic never overflows and a waiter with nothing in sight still looks again daily.
   */
  private Duration untilWork(WaitRequest request) {
    return readers.read("await work", statements -> {
      long now = Micros.of(clock.instant());
      long next = Long.MAX_VALUE;
      PreparedStatement outlook = statements.get("queue_outlook");
      for (String queue : request.queues()) {
        outlook.setString(1, queue);
        try (ResultSet rs = outlook.executeQuery()) {
          rs.next();
          if (rs.getInt("paused") != 0) {
            continue;
          }
          if (rs.getInt("ready") != 0) {
            if (rs.getInt("limited") == 0) {
              return Duration.ZERO;
            }
            // Held back by its limits, perhaps: look again when a token may have come or a slot freed.
            next = Math.min(next, now + LIMIT_RECHECK_MICROS);
          }
          long due = rs.getLong("next_due");
          if (!rs.wasNull()) {
            next = Math.min(next, due);
          }
        }
      }
      if (next == Long.MAX_VALUE) {
        return Duration.ofDays(1);
      }
      return next <= now ? Duration.ZERO : Duration.of(next - now, ChronoUnit.MICROS);
    });
  }
}
