import dev.errand.core.Errand;
import dev.errand.core.Task;
import dev.errand.core.TaskFailure;
import dev.errand.core.TaskHandler;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.TaskStoreProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Errand as a library: one process enqueues tasks and runs their handler on virtual threads, over the
 * embedded SQLite store. Run from the repository root after building the server jar:
 *
 * <pre>
 * ./mvnw -q -pl errand-server -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED -cp errand-server/target/errand-server.jar examples/java-worker/EmailWorker.java
 * </pre>
 */
public class EmailWorker {
  /** The payload, decoded from the task's JSON. */
  public record Email(String to, String subject) {}

  public static void main(String[] args) throws Exception {
    String data = args.length > 0 ? args[0] : "./errand-example-data";
    try (Errand errand = Errand.builder().store(TaskStoreProvider.openUrl("sqlite:" + data)).queue("default", 8).build()) {
      errand.handle("send_email", Email.class, (task, email) -> {
        if (!email.to().contains("@")) {
          throw TaskFailure.permanent("not an address: " + email.to()); // no retry: straight to the DLQ
        }
        System.out.printf("attempt %d: sending '%s' to %s%n", task.attempt(), email.subject(), email.to());
        return "sent to " + email.to(); // kept with the task as its JSON result
      });
      errand.start();

      List<TaskId> ids = new ArrayList<>();
      ids.add(errand.enqueue(TaskSpec.of("send_email", new Email("ada@example.com", "Welcome"))).id());
      ids.add(errand.enqueue(TaskSpec.of("send_email", new Email("bob@example.com", "Reminder"))
          .delay(Duration.ofSeconds(2))).id());
      ids.add(errand.enqueue(TaskSpec.of("send_email", new Email("nobody", "Bounce"))).id());

      for (TaskId id : ids) {
        Task t = errand.get(id);
        while (!t.state().isFinal()) {
          Thread.sleep(100); // a demo polls; real producers ask later, or not at all
          t = errand.get(id);
        }
        System.out.printf("%s %s result=%s error=%s%n", t.id(), t.state(),
            t.result() == null ? null : t.result().asString(),
            t.state() == TaskState.DEAD ? t.lastError().lines().findFirst().orElse("") : null);
      }
    }
  }
}
