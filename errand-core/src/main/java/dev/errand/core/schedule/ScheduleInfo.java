package dev.errand.core.schedule;

import java.time.Instant;
import java.util.Objects;

/**
 * A registered schedule with its fire times as of the moment it was listed.
 *
 * @param nextFire the first tick after now, or null if the schedule is disabled or has no tick left
 * @param lastFire the most recent tick at or before now, or null if there is none. This is tick
 *     arithmetic, not a record of a task: whether that tick's task was enqueued depends on the
 *     {@link MissedTickPolicy} and on whether a scheduler was running then.
 */
public record ScheduleInfo(Schedule schedule, Instant nextFire, Instant lastFire) {
  public ScheduleInfo {
    Objects.requireNonNull(schedule, "schedule");
  }

  public String name() {
    return schedule.name();
  }
}
