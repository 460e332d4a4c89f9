package dev.errand.store.postgres;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.TaskState;
import dev.errand.core.workflow.ParentResult;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;

/**
 * A worker process for {@link PostgresMultiProcessChordTest}: runs the chord's members (each returns its
 * number after a short pause, recording its run in {@code runs}) and its callback, which reads its
 * parents through the task context and records what it saw in {@code callbacks}. Both records go through
 * the handler's transaction, so one commits if and only if its task's completion does. Prints
 * {@code started}, then works until its stdin closes or it is killed.
 *
 * <p>Arguments: url, schema, worker id.
 */
public final class ChordWorker {
  private ChordWorker() {}

  public static void main(String[] args) throws IOException {
    String url = args[0];
    String schema = args[1];
    String workerId = args[2];
    String insertRun = "INSERT INTO " + schema + ".runs (task_id, worker_id, attempt) VALUES (?, ?, ?)";
    String insertCallback = "INSERT INTO " + schema + ".callbacks (task_id, worker_id, attempt, parents, succeeded, total)"
        + " VALUES (?, ?, ?, ?, ?, ?)";
    PostgresStore store = PostgresStore.builder().url(url).schema(schema).maximumPoolSize(12).migrate(false).build();
    Errand errand = Errand.builder().store(store).workerId(workerId).queue("chord", 8)
        .leaseDuration(Duration.ofSeconds(10)).heartbeatInterval(Duration.ofSeconds(1))
        .leaseSweepInterval(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(200)).build();
    errand.handle("member", Integer.class, (task, n) -> {
      Thread.sleep(20);
      Connection c = task.connection();
      try (PreparedStatement ps = c.prepareStatement(insertRun)) {
        ps.setString(1, task.id().value());
        ps.setString(2, workerId);
        ps.setInt(3, task.attempt());
        ps.executeUpdate();
      }
      return n;
    });
    errand.handle("callback", Json.class, (task, ignored) -> {
      List<ParentResult> parents = task.parents();
      long succeeded = parents.stream().filter(p -> p.state() == TaskState.SUCCEEDED).count();
      long total = parents.stream().filter(p -> p.result() != null)
          .mapToLong(p -> Long.parseLong(p.result().asString())).sum();
      Connection c = task.connection();
      try (PreparedStatement ps = c.prepareStatement(insertCallback)) {
        ps.setString(1, task.id().value());
        ps.setString(2, workerId);
        ps.setInt(3, task.attempt());
        ps.setInt(4, parents.size());
        ps.setLong(5, succeeded);
        ps.setLong(6, total);
        ps.executeUpdate();
      }
      return total;
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
