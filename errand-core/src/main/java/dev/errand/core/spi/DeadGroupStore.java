package dev.errand.core.spi;

/**
 * An optional power ({@link TaskStore#capability}): the dead tasks grouped by the first line of their
 * last error, counted by the store from an index of its dead tasks, newest first, at most
 * {@link DeadGroupQuery#maxRead} of them. The cost follows the number of dead tasks read, not the
 * number of tasks the store holds. Thread-safe.
 */
public interface DeadGroupStore {
  DeadGroups deadGroups(DeadGroupQuery query);
}
