package dev.errand.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs an {@link ErrandHandler} method on a cron schedule: each tick enqueues one task of the handler's
 * type to its queue, once across all nodes (the tick's idempotency key is {@code schedule:<name>:<tick>}).
 *
 * <pre>{@code
 * @ErrandHandler("nightly_report")
 * @ErrandSchedule(cron = "0 3 * * *", zone = "Europe/Paris")
 * void report() { ... }
 * }</pre>
 *
 * <p>The zone is this annotation's, else the property {@code errand.schedule-zone}; with neither the
 * application does not start, so a cron is never read in the JVM's default zone without anyone saying so.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ErrandSchedule {
  /** A 5-field Unix or 6/7-field Quartz cron expression, as {@code Schedule.Builder#cron} takes. */
  String cron();

  /** The zone the cron is read in ({@code UTC}, {@code Europe/Paris}); empty: {@code errand.schedule-zone}. */
  String zone() default "";

  /** The schedule's name; empty: the handler's type. */
  String name() default "";

  /** The JSON payload of each tick's task. */
  String payload() default "{}";
}
