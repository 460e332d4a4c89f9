package dev.errand.core.schedule;

import java.time.Instant;
import java.util.Objects;

/**
 * A schedule a node runs, where it comes from, and its fire times as of the moment it was listed.
 *
 * @param nextFire the first tick after now, or null if the schedule is disabled or has no tick left
 * @param lastFire the most recent tick at or before now, or null if there is none. This is tick
 *     arithmetic, not a record of a task: whether that tick's task was enqueued depends on the
 *     {@link MissedTickPolicy} and on whether a scheduler was running then.
 */
public record ScheduleInfo(Schedule schedule, ScheduleSource source, Instant nextFire, Instant lastFire) {
  public ScheduleInfo {
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(source, "source");
  }

  public String name() {
    return schedule.name();
  }
}
