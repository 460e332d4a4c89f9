package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Task;
import dev.errand.core.TaskContext;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A Spring Boot application on the local PostgreSQL whose DataSource holds Errand's store: the common
 * checks of {@link StarterApplicationTest}, and enqueues joining its transactions, a handler's annotation
 * defaults, and a transactional handler's writes committing with its completion. One application for the
 * whole class, in a schema of its own that is dropped after it has stopped.
 */
class PostgresStarterTest extends StarterApplicationTest {
  private static final String SCHEMA = PostgresTestServer.newSchema();
  private TransactionTemplate transactions;

  @Override
  SpringApplicationBuilder application() throws Exception {
    PostgresTestServer.require();
    PostgresTestServer.execute("CREATE SCHEMA " + SCHEMA + "; CREATE TABLE " + SCHEMA + ".ledger (entry text, attempt int)");
    return new SpringApplicationBuilder(App.class).properties(Map.of(
        "spring.datasource.url", PostgresTestServer.JDBC_URL,
        "spring.datasource.hikari.maximum-pool-size", "6",
        "errand.postgres.schema", SCHEMA));
  }

  @BeforeAll
  void transactions() {
    transactions = app.getBean(TransactionTemplate.class);
  }

  @Override
  void afterStop() throws Exception {
    PostgresTestServer.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
  }

  @Test
  void anEnqueueInARolledBackTransactionLeavesNoTask() {
    TaskId id = transactions.execute(status -> {
      TaskId enqueued = errand.enqueue(TaskSpec.of("greet", new Greeting("rolled back"))).task().id();
      status.setRollbackOnly();
      return enqueued;
    });

    assertThat(errand.find(id)).isEmpty();
    assertThat(GreetingHandlers.greeted).doesNotContainKey("rolled back");
  }

  @Test
  void anEnqueueInACommittedTransactionIsWrittenAtTheCommitAndRuns() {
    TaskId id = transactions.execute(status -> {
      TaskId enqueued = errand.enqueue(TaskSpec.of("greet", new Greeting("committed"))).task().id();
      // The enqueue used the transaction's connection: the store's own connections do not see it yet.
      assertThat(errand.find(enqueued)).isEmpty();
      return enqueued;
    });

    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
    assertThat(GreetingHandlers.greeted).containsEntry("committed", id);
  }

  @Test
  void aHandlerBeanRunsWithItsPayloadDecodedAndItsAnnotationsDefaults() {
    TaskId id = errand.enqueue(TaskSpec.of("greet", new Greeting("outside"))).task().id();

    await().atMost(Duration.ofSeconds(20)).until(() -> GreetingHandlers.greeted.containsKey("outside"));
    assertThat(GreetingHandlers.greeted.get("outside")).isEqualTo(id);
    Task ledger = errand.enqueue(TaskSpec.of("ledger", new Greeting("defaults"))).task();
    assertThat(ledger.retry().maxAttempts()).isEqualTo(3);
    assertThat(ledger.timeout()).isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void aTransactionalHandlersWritesCommitOnlyWithItsSuccess() {
    TaskId id = errand.enqueue(TaskSpec.of("ledger", new Greeting("entry-1"))).task().id();

    await().atMost(Duration.ofSeconds(30)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
    // The first attempt wrote through a @Transactional service and then failed: its row was rolled back
    // with the attempt. The second attempt's row committed together with the task's success.
    List<Integer> attempts = app.getBean(JdbcTemplate.class).queryForList(
        "SELECT attempt FROM " + SCHEMA + ".ledger WHERE entry = 'entry-1'", Integer.class);
    assertThat(attempts).containsExactly(2);
    assertThat(errand.get(id).attempt()).isEqualTo(2);
  }

  record Greeting(String name) {}

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import({Handlers.class, GreetingHandlers.class, LedgerService.class})
  static class App {}

  @Component
  static class GreetingHandlers {
    static final Map<String, TaskId> greeted = new ConcurrentHashMap<>();
    private final LedgerService ledger;

    GreetingHandlers(LedgerService ledger) {
      this.ledger = ledger;
    }

    @ErrandHandler("greet")
    void greet(TaskContext task, Greeting greeting) {
      greeted.put(greeting.name(), task.id());
    }

    @ErrandHandler(value = "ledger", transactional = true, maxAttempts = 3, timeout = "45s")
    void record(Greeting entry, TaskContext task) {
      ledger.insert(entry.name(), task.attempt());
      if (task.attempt() == 1) {
        throw new IllegalStateException("the first attempt fails after its write");
      }
    }
  }

  @Component
  static class LedgerService {
    private final JdbcTemplate jdbc;

    LedgerService(JdbcTemplate jdbc) {
      this.jdbc = jdbc;
    }

    /** Joins the run's transaction; were it to begin its own, the failed attempt's row would stay. */
    @Transactional
    public void insert(String entry, int attempt) {
      jdbc.update("INSERT INTO " + SCHEMA + ".ledger (entry, attempt) VALUES (?, ?)", entry, attempt);
    }
  }
}
