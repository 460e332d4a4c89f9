package dev.errand.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.errand.core.TaskState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inbox's process SIGKILLed in the middle of 10,000 deliveries, then started again: 10,000 tasks, one
 * per message, none twice. What it had inserted but not acked comes back from the broker and finds its
 * task; what it had not inserted is inserted by the second process.
 */
class InboxKillTest {
  static final int DELIVERY_LIMIT = 20;
  private static final int MESSAGES = 10_000;

  @TempDir
  Path logs;

  @Test
  void aKilledConsumerRestartedMakesEveryMessageOneTask() throws Exception {
    Connection amqp = TestBroker.connect();
    String queue = TestBroker.newName();
    Channel channel = amqp.createChannel();
    Process child = null;
    try (TestPostgres pg = TestPostgres.create()) {
      pg.store.ping(); // creates the schema before two processes race to
      Queues.declare(channel, queue, DELIVERY_LIMIT);
      channel.confirmSelect();
      for (int i = 0; i < MESSAGES; i++) {
        AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().messageId("msg-" + i)
            .headers(Map.of("type", "charge")).deliveryMode(2).build();
        channel.basicPublish("", queue, p, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
      }
      channel.waitForConfirmsOrDie(60_000);

      child = startChild(pg, queue, "first");
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(10))
          .until(() -> count(pg, "count(*)") >= 2000);
      child.destroyForcibly().waitFor(); // SIGKILL
      long atKill = count(pg, "count(*)");
      System.out.println("inbox child killed after " + atKill + " tasks");
      assertThat(atKill).as("killed mid-stream").isLessThan(MESSAGES);

      child = startChild(pg, queue, "second");
      await().atMost(Duration.ofSeconds(120)).until(() -> TestBroker.messageCount(amqp, queue) == 0
          && count(pg, "count(*)") >= MESSAGES);
      child.destroy(); // the queue is empty: anything more the second process held would be unacked
      child.waitFor();
      child = null;
      assertThat(TestBroker.messageCount(amqp, queue)).isZero();
      assertThat(TestBroker.messageCount(amqp, Queues.deadLetterQueue(queue))).isZero();
      assertThat(count(pg, "count(*)")).isEqualTo(MESSAGES);
      assertThat(count(pg, "count(DISTINCT idempotency_key)")).isEqualTo(MESSAGES);
      assertThat(count(pg, "count(*) FILTER (WHERE state = '" + TaskState.READY + "')")).isEqualTo(MESSAGES);
    } finally {
      if (child != null) {
        child.destroyForcibly().waitFor();
      }
      Queues.delete(channel, queue);
      amqp.close();
    }
  }

  private Process startChild(TestPostgres pg, String queue, String id) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path output = logs.resolve(id + ".log");
    Files.createDirectories(logs);
    List<String> command = List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        InboxChild.class.getName(), TestPostgres.URL, pg.schema, queue);
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
  }

  private static long count(TestPostgres pg, String what) throws Exception {
    try (java.sql.Connection c = DriverManager.getConnection(TestPostgres.JDBC); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + what + " FROM " + pg.schema + ".tasks WHERE queue = 'orders'")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
