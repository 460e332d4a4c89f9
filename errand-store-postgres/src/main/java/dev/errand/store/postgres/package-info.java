/**
 * The PostgreSQL store: many Errand nodes and workers share one database.
 *
 * <pre>{@code
 * PostgresStore store = PostgresStore.of(dataSource);             // your pool; or
 * PostgresStore store = PostgresStore.builder()
 *     .url("postgres://app:secret@db:5432/app").schema("errand").build();
 * Errand errand = Errand.builder().store(store).queue("default", 16).build();
 * }</pre>
 *
 * <h2>Enqueue inside your transaction (a transactional outbox without a relay)</h2>
 * <pre>{@code
 * try (Connection c = dataSource.getConnection()) {
 *   c.setAutoCommit(false);
 *   insertOrder(c, order);
 *   errand.enqueue(c, TaskSpec.of("send_receipt", order.id()));
 *   c.commit();                     // the order and its task exist together, or neither does
 * }
 * }</pre>
 * Errand never commits, rolls back or closes your connection. The wake-up NOTIFY is part of your
 * transaction too: a rolled-back enqueue wakes nobody.
 *
 * <h2>Exactly-once effects</h2>
 * Delivery is at least once: a worker that dies mid-task leaves its lease to expire, and the task runs
 * again. When the handler's effect is a write to the same database, make it exactly once by writing
 * through the task's own transaction:
 * <pre>{@code
 * errand.handle("charge", Charge.class, (task, charge) -> {
 *   Connection c = task.connection();   // the store's database, auto-commit off
 *   recordPayment(c, charge);           // no commit, no rollback, no close: Errand does that
 *   return null;
 * });
 * }</pre>
 * The write and the task's SUCCEEDED completion commit in one transaction, and the completion is fenced
 * by the lease token: if the lease was lost meanwhile (the task is running elsewhere), the completion is
 * refused and the whole transaction rolls back, so the write happens once, by the run that completed.
 * A handler that throws has its writes rolled back before the retry. Effects outside the database
 * (emails, HTTP calls) still need an idempotency key of their own.
 *
 * <h2>Flow limits across nodes</h2>
 * <pre>{@code
 * errand.limits("emails", QueueLimits.concurrency(5).withRate(50, 10));   // kept in the queues table
 * }</pre>
 * A queue's cap on RUNNING tasks and its token bucket hold across every node, because the claim checks
 * and spends them in its one statement. Claims of a limited queue take its queues row lock
 * ({@code FOR UPDATE}) and so run one at a time, each counting the running tasks with a fresh snapshot
 * taken after the lock; claims of unlimited queues take no such lock. Workers waiting on a limited queue
 * that has READY tasks look again every 50 ms, since neither a freed slot nor a new token is notified.
 *
 * <h2>Schedules across nodes</h2>
 * <pre>{@code
 * errand.putSchedule(Schedule.every("heartbeat", Duration.ofSeconds(30), TaskSpec.of("ping", null)));
 * }</pre>
 * A stored schedule is a row of the schedules table: every node on the schema reads them every few
 * seconds and runs them, and each tick still becomes one task, by its idempotency key.
 *
 * <h2>Operations</h2>
 * Tables live in one schema, created and upgraded by numbered migrations at startup under an advisory
 * lock, so nodes may start together. Claims and completions stay index-only with millions of waiting
 * tasks; prune finished tasks regularly (the runtime does, by its retention setting) to keep the table
 * small. When you pass your own DataSource, the store keeps one of its connections for LISTEN while
 * anything waits for work; consider {@code jit=off} for these short statements (the store's own pool
 * sets it).
 */
package dev.errand.store.postgres;
