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
 * embedded SQLite store. Run it with {@code examples/java-worker/run.sh}, which finds a JDK 21 or newer
 * (scripts/find-jdk.sh) and builds the server jar it needs, then runs:
 *
 * <pre>
 * $JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -cp errand-server/target/errand-server.jar examples/java-worker/EmailWorker.java
 * </pre>
 *
 * <p>{@code ERRAND_STORE} names another store by URL, such as {@code postgres://user:pw@host/db}: the one a
 * server uses, so that this process works the server's tasks too. With {@code --serve} it goes on handling
 * tasks after its three, until SIGTERM or Ctrl-C (deploy/compose runs it so).
 */
public class EmailWorker {
  /** The payload, decoded from the task's JSON. */
  public record Email(String to, String subject) {}

  public static void main(String[] args) throws Exception {
    List<String> arguments = List.of(args);
    boolean serve = arguments.contains("--serve");
    String data = arguments.stream().filter(a -> !a.startsWith("--")).findFirst().orElse("./errand-example-data");
    String store = System.getenv().getOrDefault("ERRAND_STORE", "sqlite:" + data);
    try (Errand errand = Errand.builder().store(TaskStoreProvider.openUrl(store)).queue("default", 8).build()) {
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
      if (serve) {
        // Errand.close() (leaving this block) lets running handlers finish; the hook waits for it
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          main.interrupt();
          try {
            main.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }));
        try {
          new java.util.concurrent.CountDownLatch(1).await();
        } catch (InterruptedException e) {
          System.out.println("stopping");
        }
      }
    }
  }
}
