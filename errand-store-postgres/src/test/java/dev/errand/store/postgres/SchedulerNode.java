package dev.errand.store.postgres;

import dev.errand.core.Errand;
import dev.errand.core.TaskSpec;
import dev.errand.core.schedule.Schedule;
import java.io.IOException;
import java.time.Duration;

/**
 * A scheduler process for {@link PostgresMultiProcessScheduleTest}: an Errand that runs schedules and
 * no workers, with the one-second schedule {@value #SCHEDULE} registered in code, as every node of a
 * deployment registers it. Prints {@code started} once its scheduler runs, then runs until its stdin
 * closes (a graceful stop) or it is killed.
 *
 * <p>Arguments: url, schema, node id.
 */
public final class SchedulerNode {
  static final String SCHEDULE = "every-second";

  private SchedulerNode() {}

  public static void main(String[] args) throws IOException {
    PostgresStore store = PostgresStore.builder().url(args[0]).schema(args[1]).maximumPoolSize(2).migrate(false)
        .build();
    Errand errand = Errand.builder().store(store).workerId(args[2]).runWorkers(false).build();
    errand.schedule(Schedule.every(SCHEDULE, Duration.ofSeconds(1), TaskSpec.builder("beat").build()));
    errand.start();
    System.out.println("started");
    System.out.flush();
    while (System.in.read() >= 0) {
      // Wait for the parent to close stdin.
    }
    errand.close();
  }
}
