/**
 * Periodic tasks: a {@link dev.errand.core.schedule.Schedule} names a cron expression or a fixed interval
 * and the task to enqueue at each tick; {@code Errand#schedule} registers it. Each tick becomes exactly one
 * task however many nodes run the schedule, through the tick's deterministic idempotency key.
 */
package dev.errand.core.schedule;
