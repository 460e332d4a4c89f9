package dev.errand.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.errand.core.Errand;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.testkit.ForwardingTaskStore;
import dev.errand.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inbox against the real broker and SQLite: one task per message, rejects and the delivery limit. */
class InboxTest {
  @TempDir
  Path dir;

  private Connection amqp;
  private Channel channel;
  private String queue;
  private SqliteStore sqlite;
  private final AtomicBoolean storeDown = new AtomicBoolean();
  private Errand errand;
  private Inbox inbox;

  @BeforeEach
  void setUp() throws Exception {
    amqp = TestBroker.connect();
    channel = amqp.createChannel();
    queue = TestBroker.newName();
    sqlite = SqliteStore.open(dir);
    ForwardingTaskStore flaky = new ForwardingTaskStore(sqlite) {
      @Override
      public InsertResult insertMany(InsertRequest request) {
        if (storeDown.get()) {
          throw new StoreUnavailableException("store down for the test", null);
        }
        return super.insertMany(request);
      }
    };
    errand = Errand.builder().store(flaky).runWorkers(false).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (inbox != null) {
      inbox.close();
    }
    if (channel != null) {
      Queues.delete(channel, queue);
      amqp.close();
    }
    errand.close();
    sqlite.close();
  }

  private void publish(String messageId, String type, String body) throws Exception {
    AMQP.BasicProperties.Builder p = new AMQP.BasicProperties.Builder().messageId(messageId);
    if (type != null) {
      p.headers(Map.of("type", type));
    }
    channel.basicPublish("", queue, p.build(), body.getBytes(StandardCharsets.UTF_8));
  }

  private Inbox.Builder inbox() {
    return Inbox.builder(errand, TestBroker.factory(), queue).taskQueue("orders").deliveryLimit(2);
  }

  private TaskPage tasks() {
    return errand.list(new TaskQuery("orders", null, null, 1000, null));
  }

  @Test
  void everyMessageBecomesOneTaskHoweverOftenItIsDelivered() throws Exception {
    inbox = inbox().routingKeyTypes(Map.of(queue, "by_key")).build().start();
    await().atMost(Duration.ofSeconds(10)).until(() -> tryPassive());
    publish("m-1", "charge", "{\"amount\":  5}");
    publish("m-1", "charge", "{\"amount\":  5}"); // the same message again, as a redelivery would be
    publish("m-2", null, "[1,2]");
    await().atMost(Duration.ofSeconds(10)).until(() -> tasks().tasks().size() == 2
        && TestBroker.messageCount(amqp, queue) == 0);
    Map<String, Task> byKey = new java.util.HashMap<>();
    tasks().tasks().forEach(t -> byKey.put(t.idempotencyKey(), t));
    assertThat(byKey.get("m-1").type()).isEqualTo("charge");
    assertThat(byKey.get("m-1").payload().asString()).isEqualTo("{\"amount\":  5}"); // as received
    assertThat(byKey.get("m-2").type()).isEqualTo("by_key");
    assertThat(byKey.get("m-1").state()).isEqualTo(TaskState.READY);
    RabbitStatus status = inbox.status();
    assertThat(status.role()).isEqualTo(RabbitStatus.INBOX);
    assertThat(status.queue()).isEqualTo(queue);
    assertThat(status.connected()).isTrue();
    assertThat(status.consumed()).isEqualTo(3); // the redelivery found its task and was acked
    assertThat(status.rejected()).isZero();
  }

  @Test
  void anUnconvertibleMessageIsDeadLetteredAtOnceAndConsumingGoesOn() throws Exception {
    inbox = inbox().build().start();
    await().atMost(Duration.ofSeconds(10)).until(() -> tryPassive());
    channel.basicPublish("", queue, null, "{}".getBytes(StandardCharsets.UTF_8)); // no message-id, no type
    publish("m-3", "charge", "not json");
    publish("m-4", "charge", "{}");
    await().atMost(Duration.ofSeconds(10)).until(() -> TestBroker.messageCount(amqp, Queues.deadLetterQueue(queue)) == 2);
    await().atMost(Duration.ofSeconds(10)).until(() -> tasks().tasks().size() == 1);
    GetResponse dead = channel.basicGet(Queues.deadLetterQueue(queue), true);
    assertThat(dead.getProps().getHeaders()).containsKey("x-death");
    assertThat(inbox.status().rejected()).isEqualTo(2);
    assertThat(inbox.status().consumed()).isEqualTo(1);
  }

  @Test
  void aPoisonMessageEndsInTheDeadLetterExchangeAfterTheDeliveryLimitWhileConsumingGoesOn() throws Exception {
    AtomicInteger poisonSeen = new AtomicInteger();
    RawConverter raw = new RawConverter("orders", Map.of(), null, 1 << 20);
    inbox = inbox().converter(d -> {
      if (new String(d.getBody(), StandardCharsets.UTF_8).contains("poison")) {
        poisonSeen.incrementAndGet();
        throw new IllegalStateException("a bug this message triggers every time");
      }
      return raw.convert(d);
    }).build().start();
    await().atMost(Duration.ofSeconds(10)).until(() -> tryPassive());
    publish("p-1", "charge", "{\"poison\":true}");
    for (int i = 0; i < 20; i++) {
      publish("ok-" + i, "charge", "{}");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> TestBroker.messageCount(amqp, Queues.deadLetterQueue(queue)) == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> tasks().tasks().size() == 20);
    // delivery limit 2: the first delivery and two redeliveries, then the broker dead-letters it
    assertThat(poisonSeen.get()).isEqualTo(3);
    publish("after", "charge", "{}");
    await().atMost(Duration.ofSeconds(10)).until(() -> tasks().tasks().size() == 21);
  }

  @Test
  void whileTheStoreIsDownNothingIsAckedAndStoppingReturnsTheMessages() throws Exception {
    storeDown.set(true);
    inbox = inbox().build().start();
    await().atMost(Duration.ofSeconds(10)).until(() -> tryPassive());
    for (int i = 0; i < 10; i++) {
      publish("d-" + i, "charge", "{}");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> TestBroker.messageCount(amqp, queue) == 0); // all taken, unacked
    inbox.close();
    inbox = null;
    await().atMost(Duration.ofSeconds(10)).until(() -> TestBroker.messageCount(amqp, queue) == 10);
    storeDown.set(false);
    inbox = inbox().build().start();
    await().atMost(Duration.ofSeconds(10)).until(() -> tasks().tasks().size() == 10
        && TestBroker.messageCount(amqp, queue) == 0);
  }

  private boolean tryPassive() {
    try {
      TestBroker.messageCount(amqp, queue);
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
