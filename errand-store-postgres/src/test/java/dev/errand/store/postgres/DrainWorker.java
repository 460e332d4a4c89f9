package dev.errand.store.postgres;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;

/**
 * A worker process for {@link PostgresMultiProcessDrainTest} and {@link PostgresMultiProcessRateLimitTest}:
 * drains a queue (by default {@code drain}) of tasks of the queue's name as type, and records
 * each run in the {@code runs} table through the handler's transaction, so a run's record commits if and
 * only if its task's completion does. Prints {@code started}, then works until its stdin closes (a
 * graceful stop) or it is killed.
 *
 * <p>Arguments: url, schema, worker id, and optionally the queue.
 */
public final class DrainWorker {
  private DrainWorker() {}

  public static void main(String[] args) throws IOException {
    String url = args[0];
    String schema = args[1];
    String workerId = args[2];
    String queue = args.length > 3 ? args[3] : "drain";
    String insertRun = "INSERT INTO " + schema + ".runs (task_id, worker_id, attempt) VALUES (?, ?, ?)";
    PostgresStore store = PostgresStore.builder().url(url).schema(schema).maximumPoolSize(12).migrate(false).build();
    // Heartbeats every second keep a 10 s lease: a shared, loaded machine may starve a worker for a few
    // seconds, and a lease lost that way would be a re-run the test does not expect.
    Errand errand = Errand.builder().store(store).workerId(workerId).queue(queue, 8)
        .leaseDuration(Duration.ofSeconds(10)).heartbeatInterval(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(500)).build();
    errand.handle(queue, Json.class, (task, payload) -> {
      Connection c = task.connection();
      try (PreparedStatement ps = c.prepareStatement(insertRun)) {
        ps.setString(1, task.id().value());
        ps.setString(2, workerId);
        ps.setInt(3, task.attempt());
        ps.executeUpdate();
      }
      return null;
    });
    errand.start();
    System.out.println("started");
    System.out.flush();
    while (System.in.read() >= 0) {
      // Wait for the parent to close stdin.
    }
    errand.close();
  }
}
