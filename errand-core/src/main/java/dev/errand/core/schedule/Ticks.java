package dev.errand.core.schedule;

import com.cronutils.model.time.ExecutionTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Optional;

/**
 * The tick arithmetic of a schedule: the set of instants at which it fires, and the two questions asked
 * of it, the next tick after an instant and the last tick at or before one. Immutable and thread-safe;
 * a pure function of its inputs, so every node computes the same instants.
 *
 * <p><b>Cron ticks are wall-clock times</b> in the schedule's zone. cron-utils evaluates the expression
 * on local date-times only (in a fixed offset, where no time is missing or repeated), and each matching
 * local time is then mapped to one instant here:
 * <ul>
 *   <li>a local time that exists once is that instant;
 *   <li>a local time that exists twice (clocks go back) is its <em>first</em> occurrence, so it fires
 *       once. A schedule that matches every hour or minute therefore pauses during the repeated hour;
 *       use a fixed interval for elapsed-time schedules;
 *   <li>a local time that does not exist (clocks go forward) is the first instant after the gap, the
 *       transition itself: {@code 30 2 * * *} in Europe/Berlin fires at 03:00 CEST on the day summer
 *       time starts, so a daily job is not skipped. Several missing times collapse into that one
 *       instant, which is also the instant of a tick at the end of the gap (an hourly schedule fires at
 *       03:00 once, not twice), since a schedule's ticks are a set of instants.
 * </ul>
 * This mapping never decreases as local time increases, so the ticks keep the expression's order.
 *
 * <p><b>Interval ticks</b> are {@code anchor + k * interval} for every integer k, where the anchor is the
 * schedule's start instant if it has one, else the epoch; the zone plays no part.
 *
 * <p>With a start instant, no tick is before it.
 */
final class Ticks {
  // The search below returns on its first step for every zone we know; this only bounds a surprise.
  private static final int MAX_STEPS = 1000;

  private final ExecutionTime cron;
  private final ZoneId zone;
  private final ZoneRules rules;
  private final Duration interval;
  private final Instant startAt;

  private Ticks(ExecutionTime cron, ZoneId zone, Duration interval, Instant startAt) {
    this.cron = cron;
    this.zone = zone;
    this.rules = zone.getRules();
    this.interval = interval;
    this.startAt = startAt;
  }

  static Ticks cron(ExecutionTime cron, ZoneId zone, Instant startAt) {
    return new Ticks(cron, zone, null, startAt);
  }

  static Ticks interval(Duration interval, Instant startAt) {
    return new Ticks(null, ZoneOffset.UTC, interval, startAt);
  }

  /** The first tick strictly after {@code after}, or empty if there is none. */
  Optional<Instant> next(Instant after) {
    if (startAt != null && after.isBefore(startAt)) {
      after = startAt.minusNanos(1);
    }
    return cron != null ? nextCron(after) : Optional.of(nextInterval(after));
  }

  /** The last tick at or before {@code atOrBefore}, or empty if there is none. */
  Optional<Instant> previous(Instant atOrBefore) {
    Optional<Instant> tick = cron != null ? previousCron(atOrBefore) : Optional.of(previousInterval(atOrBefore));
    return tick.filter(t -> startAt == null || !t.isBefore(startAt));
  }

  private Optional<Instant> nextCron(Instant after) {
    ZonedDateTime z = after.atZone(zone);
    LocalDateTime local = z.toLocalDateTime();
    ZoneOffsetTransition overlap = secondOccurrence(z);
    if (overlap != null) {
      // Every wall time up to the end of the repeated hour already fired at its first occurrence.
      local = overlap.getDateTimeBefore().minusNanos(1);
    }
    // cron-utils keeps the fraction of a second it is given when the expression has a seconds field
    // (the next tick after 06.5 would be 07.5, after 06.999999999 07.999999999): ticks are whole seconds,
    // and the next whole-second tick after an instant is the next one after that instant's second.
    local = local.truncatedTo(ChronoUnit.SECONDS);
    for (int i = 0; i < MAX_STEPS; i++) {
      Optional<ZonedDateTime> match = cron.nextExecution(local.atZone(ZoneOffset.UTC));
      if (match.isEmpty()) {
        return Optional.empty();
      }
      local = match.get().toLocalDateTime().truncatedTo(ChronoUnit.SECONDS);
      Instant tick = resolve(local);
      if (tick.isAfter(after)) {
        return Optional.of(tick);
      }
    }
    throw new IllegalStateException("no cron tick found after " + after + " in " + MAX_STEPS + " steps");
  }

  private Optional<Instant> previousCron(Instant atOrBefore) {
    ZonedDateTime z = atOrBefore.atZone(zone);
    ZoneOffsetTransition overlap = secondOccurrence(z);
    // cron-utils answers strictly before its argument; these bounds make it "at or before".
    LocalDateTime bound = overlap != null ? overlap.getDateTimeBefore() : z.toLocalDateTime().plusNanos(1);
    for (int i = 0; i < MAX_STEPS; i++) {
      Optional<ZonedDateTime> match = cron.lastExecution(bound.atZone(ZoneOffset.UTC));
      if (match.isEmpty()) {
        return Optional.empty();
      }
      bound = match.get().toLocalDateTime();
      Instant tick = resolve(bound);
      if (!tick.isAfter(atOrBefore)) {
        return Optional.of(tick);
      }
    }
    throw new IllegalStateException("no cron tick found before " + atOrBefore + " in " + MAX_STEPS + " steps");
  }

  /** The overlap {@code z} lies in the second half of, or null if its wall time occurs only once. */
  private ZoneOffsetTransition secondOccurrence(ZonedDateTime z) {
    ZoneOffsetTransition t = rules.getTransition(z.toLocalDateTime());
    return t != null && t.isOverlap() && z.getOffset().equals(t.getOffsetAfter()) ? t : null;
  }

  /** The instant a matching wall time fires at; see the class comment. */
  private Instant resolve(LocalDateTime local) {
    List<ZoneOffset> offsets = rules.getValidOffsets(local);
    if (offsets.isEmpty()) {
      return rules.getTransition(local).getInstant();
    }
    // In an overlap the larger offset is the earlier instant: the first occurrence.
    ZoneOffset offset = offsets.get(0);
    if (offsets.size() == 2 && offsets.get(1).getTotalSeconds() > offset.getTotalSeconds()) {
      offset = offsets.get(1);
    }
    return local.toInstant(offset);
  }

  private Instant anchor() {
    return startAt != null ? startAt : Instant.EPOCH;
  }

  private Instant nextInterval(Instant after) {
    return at(index(after) + 1);
  }

  private Instant previousInterval(Instant atOrBefore) {
    return at(index(atOrBefore));
  }

  /** The k of the last interval tick at or before {@code t}. The interval is whole milliseconds. */
  private long index(Instant t) {
    // Floor, not Duration.toMillis, which truncates towards zero: a duration's seconds are floored and its
    // nanos never negative. Flooring the millis first is exact since the interval is whole millis.
    Duration d = Duration.between(anchor(), t);
    long millis = Math.addExact(Math.multiplyExact(d.getSeconds(), 1000L), d.getNano() / 1_000_000);
    return Math.floorDiv(millis, interval.toMillis());
  }

  private Instant at(long k) {
    return anchor().plusMillis(Math.multiplyExact(k, interval.toMillis()));
  }
}
