package dev.errand.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.errand.core.Errand;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.JdbcTransactionalStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outbox's guarantee against PostgreSQL and the real broker: committed, published; rolled back, not. */
class OutboxTransactionTest {
  private TestPostgres pg;
  private Connection amqp;
  private Channel channel;
  private String queue;
  private Errand errand;
  private OutboxRelay relay;

  @BeforeEach
  void setUp() throws Exception {
    amqp = TestBroker.connect();
    pg = TestPostgres.create();
    channel = amqp.createChannel();
    queue = TestBroker.newName();
    channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
    errand = Errand.builder().store(pg.store).runWorkers(false).build().start();
    relay = OutboxRelay.builder(pg.store, TestBroker.factory()).pollInterval(Duration.ofMillis(20)).build().start();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (relay != null) {
      relay.close();
    }
    if (errand != null) {
      errand.close();
    }
    if (channel != null) {
      channel.queueDelete(queue);
      amqp.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  void rollbackPublishesNothingAndCommitPublishesExactlyTheCommittedMessagesWithTheirIds() throws Exception {
    Outbox outbox = Outbox.of(errand);
    JdbcTransactionalStore jdbc = pg.store.capability(JdbcTransactionalStore.class).orElseThrow();
    Map<String, String> expected = new HashMap<>();
    for (int round = 0; round < 20; round++) {
      boolean commit = round % 2 == 0;
      try (java.sql.Connection c = jdbc.openTransaction()) {
        String body = "{\"order\":" + round + ",  \"spaced\" : true}"; // odd spacing: must not be re-encoded
        TaskId id = outbox.publish(c, AmqpMessage.builder("", queue).json(body).header("round", "r" + round)
            .build()).id();
        if (commit) {
          c.commit();
          expected.put(id.value(), body);
        } else {
          c.rollback();
        }
      }
    }
    Map<String, String> received = new HashMap<>();
    List<GetResponse> all = new ArrayList<>();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      GetResponse r;
      while ((r = channel.basicGet(queue, true)) != null) {
        all.add(r);
        received.put(r.getProps().getMessageId(), new String(r.getBody(), StandardCharsets.UTF_8));
      }
      return received.size() >= expected.size();
    });
    // Every committed task done means the relay has nothing left to send; anything more would be a leak.
    await().atMost(Duration.ofSeconds(10)).until(() -> expected.keySet().stream()
        .allMatch(id -> errand.get(TaskId.of(id)).state() == TaskState.SUCCEEDED));
    GetResponse r;
    while ((r = channel.basicGet(queue, true)) != null) {
      all.add(r);
    }
    assertThat(all).hasSize(expected.size());
    assertThat(received).isEqualTo(expected);
    for (GetResponse g : all) {
      assertThat(g.getProps().getDeliveryMode()).isEqualTo(2);
      assertThat(g.getProps().getContentType()).isEqualTo("application/json");
      assertThat(g.getProps().getHeaders().get("round").toString()).startsWith("r");
    }
  }

  @Test
  void nothingIsPublishedBeforeTheCommit() throws Exception {
    Outbox outbox = Outbox.of(errand);
    JdbcTransactionalStore jdbc = pg.store.capability(JdbcTransactionalStore.class).orElseThrow();
    try (java.sql.Connection c = jdbc.openTransaction()) {
      TaskId id = outbox.publish(c, AmqpMessage.builder("", queue).body(new byte[] {0, 1, 2, (byte) 255}).build()).id();
      // The relay polls every 20 ms; for a second, it must see nothing to send.
      await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
          .until(() -> TestBroker.messageCount(amqp, queue) == 0);
      c.commit();
      await().atMost(Duration.ofSeconds(10)).until(() -> TestBroker.messageCount(amqp, queue) == 1);
      GetResponse g = channel.basicGet(queue, true);
      assertThat(g.getProps().getMessageId()).isEqualTo(id.value());
      assertThat(g.getBody()).containsExactly(0, 1, 2, 255);
      assertThat(g.getProps().getContentType()).isNull();
    }
  }

  @Test
  void anUnroutableMessageIsDeadWithTheBrokersReason() {
    Outbox outbox = Outbox.of(errand);
    TaskId id = outbox.publish(AmqpMessage.builder("amq.direct", TestBroker.newName()).json("{}").build()).id();
    await().atMost(Duration.ofSeconds(10)).until(() -> errand.get(id).state() == TaskState.DEAD);
    Task dead = errand.get(id);
    assertThat(dead.lastError()).contains("unroutable").contains("NO_ROUTE").contains("amq.direct");
    assertThat(dead.attempt()).isEqualTo(1);
    RabbitStatus status = relay.status().getFirst();
    assertThat(status.role()).isEqualTo(RabbitStatus.RELAY);
    assertThat(status.queue()).isEqualTo(Outbox.DEFAULT_QUEUE);
    assertThat(status.connected()).isTrue();
    assertThat(status.published()).isEqualTo(1);
    assertThat(status.returned()).isEqualTo(1);
    assertThat(status.confirmed()).isZero(); // an unroutable message counts as returned only
  }

  @Test
  void aNackedMessageIsRetriedWithBackoffAndDeadWhenItsAttemptsRunOut() throws Exception {
    // A full queue that refuses publishes makes the broker nack them.
    String full = TestBroker.newName();
    channel.queueDeclare(full, true, false, false, Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
    try {
      Outbox outbox = Outbox.of(errand).retry(dev.errand.core.RetryPolicy.of(3, Duration.ofMillis(10), Duration.ofMillis(50)));
      TaskId first = outbox.publish(AmqpMessage.builder("", full).json("{\"n\":1}").build()).id();
      await().atMost(Duration.ofSeconds(10)).until(() -> errand.get(first).state() == TaskState.SUCCEEDED);
      TaskId second = outbox.publish(AmqpMessage.builder("", full).json("{\"n\":2}").build()).id();
      await().atMost(Duration.ofSeconds(10)).until(() -> errand.get(second).state() == TaskState.DEAD);
      Task dead = errand.get(second);
      assertThat(dead.attempt()).isEqualTo(3);
      assertThat(dead.lastError()).contains("nacked by the broker");
      assertThat(errand.errors(second)).hasSize(3);
      assertThat(TestBroker.messageCount(amqp, full)).isEqualTo(1);
      RabbitStatus status = relay.status().getFirst();
      assertThat(status.published()).isEqualTo(4);
      assertThat(status.confirmed()).isEqualTo(1);
      assertThat(status.nacked()).isEqualTo(3);
      assertThat(status.confirmLatencyMean()).isPositive();
      assertThat(status.confirmLatencyLast()).isPositive();
    } finally {
      channel.queueDelete(full);
    }
  }
}
