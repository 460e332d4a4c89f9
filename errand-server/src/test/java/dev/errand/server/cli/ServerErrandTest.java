package dev.errand.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Errand the server runs claims nothing itself, yet prunes finished tasks past their retention. */
class ServerErrandTest {
  @Test
  void serverErrandPrunesFinishedTasksButRunsNoWorkers() throws Exception {
    try (Errand errand = ServerCommand.serverErrand(new InMemoryTaskStore(), 1 << 20, Duration.ofMillis(50),
        Duration.ofMillis(100))) {
      TaskId waiting = errand.enqueue(TaskSpec.of("job", 1)).id();
      TaskId done = errand.enqueue(TaskSpec.of("job", 2).priority(9)).id();
      Task claimed = errand.claim("default", 1, Duration.ofMinutes(1), "remote", Duration.ZERO).getFirst();
      assertThat(claimed.id()).isEqualTo(done);
      errand.complete(done, claimed.lease().token(), Json.NULL);
      await().atMost(Duration.ofSeconds(10)).until(() -> errand.find(done).isEmpty());
      // no in-process worker took the other task: it waits for a remote worker
      assertThat(errand.get(waiting).state()).isEqualTo(TaskState.READY);
    }
  }
}
