package dev.errand.core.schedule;

/**
 * What a scheduler does with ticks that passed while no scheduler node evaluated the schedule (every node
 * down, or the one that was up stalled for longer than the schedule's {@linkplain Schedule#tolerance()
 * tolerance}).
 */
public enum MissedTickPolicy {
  /**
   * Missed ticks are dropped: a tick is enqueued only if some node evaluates it within the schedule's
   * tolerance after its instant. The default, and what cron does.
   */
  SKIP,

  /**
   * The latest missed tick is enqueued once (with its own instant as runAt, so it runs at once); the ones
   * before it are dropped. A tick older than the Errand's retention is never caught up, since its task may
   * already have run and been pruned, and then a second run could not be told apart from a first. For
   * the same reason, a tick whose task was purged from the dead-letter queue counts as never enqueued.
   */
  CATCH_UP_ONE
}
