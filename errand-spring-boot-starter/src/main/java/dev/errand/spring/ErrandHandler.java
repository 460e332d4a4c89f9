package dev.errand.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a singleton bean as the handler of one task type, as {@code Errand.handle} does:
 *
 * <pre>{@code
 * @ErrandHandler(value = "send_email", maxAttempts = 5, retry = @ErrandHandler.Retry(base = "2s", cap = "10m"), timeout = "2m")
 * void send(Email email, TaskContext task) { ... }
 * }</pre>
 *
 * <p>Parameters: at most one {@code TaskContext}, and at most one other, the payload, decoded from the
 * task's JSON as that parameter's class with Errand's ObjectMapper ({@code Json} for the raw bytes). The
 * return value, if any, is kept as the task's result. Exceptions are failures as for any handler
 * ({@code TaskFailure.permanent} and {@code snooze} included). The method is called on the bean as Spring
 * made it, so its proxies ({@code @Transactional}, security) apply.
 *
 * <p>With {@link #transactional()} the method runs inside the transaction that commits together with the
 * task's completion: Spring's JDBC access on the application's DataSource ({@code JdbcTemplate},
 * {@code JdbcClient}, and {@code @Transactional} methods, which join it) uses that transaction, so the
 * task is SUCCEEDED if and only if the handler's writes commit. It needs the store to be in the
 * application's DataSource.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ErrandHandler {
  /** The task type this method handles. */
  String value();

  /**
   * The queue this handler's tasks are sent to: this node's workers serve it (with the concurrency of
   * {@code errand.queues.<queue>}, else 10), and its {@link ErrandSchedule} enqueues there. Producers name
   * the queue in their {@code TaskSpec}; empty is {@code default}.
   */
  String queue() default "";

  /** Most attempts of this type's tasks whose spec sets none, 1..1000; 0 keeps the Errand's default. */
  int maxAttempts() default 0;

  /**
   * The retry backoff of this type's tasks whose spec sets none, named as in the server's config file and
   * the HTTP API ({@code "retry": {"base": "2s", "cap": "10m"}}): the wait before each retry is drawn from
   * base up to base doubled per failed attempt, at most cap (see {@code RetryPolicy}).
   */
  Retry retry() default @Retry;

  /** The execution time limit of this type's tasks whose spec sets none ({@code 90s}, {@code PT2M}); empty keeps the default. */
  String timeout() default "";

  /** Whether the method runs in the transaction of the task's completion (see the class comment). */
  boolean transactional() default false;

  /**
   * A retry backoff: durations as {@code 2s} or {@code PT2S}; an empty one keeps the default's (base 1 s,
   * cap 1 h). The start fails if cap is shorter than base.
   */
  @Target({})
  @Retention(RetentionPolicy.RUNTIME)
  @Documented
  @interface Retry {
    /** The shortest wait before a retry: no retry comes sooner. */
    String base() default "";

    /** The longest wait before a retry. */
    String cap() default "";
  }
}
