package dev.errand.core.spi;

import java.util.List;

/**
 * An optional power of a {@link TaskStore}, found through {@link TaskStore#capability}: schedule
 * definitions kept in the store, so that every node on it runs them and they outlive any node. Without
 * it an Errand runs only the schedules registered in its code.
 */
public interface ScheduleStore {
  /**
   * Creates or replaces a schedule definition. The definition's bytes are stored as given; a replacement
   * keeps the name and raises the version by one. Returns the definition as stored.
   */
  StoredSchedule putSchedule(SchedulePutRequest request);

  /**
   * Deletes the stored schedule {@code name}; returns whether there was one.
   *
   * @throws IllegalArgumentException if {@code name} is not in the name alphabet
   */
  boolean deleteSchedule(String name);

  /** Every stored schedule, by name. */
  List<StoredSchedule> storedSchedules();
}
