package dev.errand.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.TaskState;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.testkit.TcpFaultProxy;
import dev.errand.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay loses its connection in the middle of relaying, and every message still arrives at least once,
 * a duplicate always with the same message-id (the task's id): the broker closes it
 * ({@code rabbitmqctl close_all_connections}), or the network drops it while sent messages wait for their
 * confirms.
 */
class RelayReconnectTest {
  private static final int MESSAGES = 10_000;
  private static final int PAUSE_AFTER = 500;

  @TempDir
  Path dir;

  @Test
  void everyMessageArrivesAtLeastOnceAfterTheBrokerClosesTheRelaysConnection() throws Exception {
    Connection amqp = TestBroker.connect();
    String queue = TestBroker.newName();
    CountDownLatch closed = new CountDownLatch(1);
    // Past 500 sends the relay's loops wait for the close, so it comes mid-relay however fast this machine
    // relays (a fast one once relayed all 10,000 before rabbitmqctl had started).
    Counting counting = new Counting(PAUSE_AFTER, closed);
    try (SqliteStore store = SqliteStore.open(dir);
        Errand errand = Errand.builder().store(store).runWorkers(false).build().start()) {
      amqp.createChannel().queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
      Set<String> ids = publish(Outbox.of(errand), queue, MESSAGES);
      try (OutboxRelay relay = OutboxRelay.builder(store, TestBroker.factory()).batchSize(50).concurrency(2)
          .metrics(counting).maxReconnectBackoff(Duration.ofMillis(500)).build().start()) {
        await().atMost(Duration.ofSeconds(60)).until(() -> counting.confirmed.get() >= 200);
        TestBroker.rabbitmqctl("close_all_connections", "errand relay reconnect test");
        long atClose = counting.confirmed.get();
        closed.countDown();
        System.out.println("connections closed after " + atClose + " confirms");
        assertThat(atClose).as("the close must come mid-relay").isLessThan(MESSAGES);
        await().atMost(Duration.ofSeconds(120)).until(() -> unfinished(errand, Outbox.DEFAULT_QUEUE) == 0);
      }
      // The test's own connection was closed too; it recovers by itself (automatic recovery).
      await().atMost(Duration.ofSeconds(30)).until(amqp::isOpen);
      assertEveryOneArrived(amqp, queue, ids, counting);
    } finally {
      closed.countDown();
      amqp.abort(); // may still be recovering from the close; a connection of its own deletes the queue
      try (Connection cleanup = TestBroker.connect()) {
        cleanup.createChannel().queueDelete(queue);
      }
    }
  }

  /**
   * Messages on the wire whose confirms never come (the network stops passing anything, then drops the
   * connection): the relay sends each of them again on its next connection, and none is lost.
   */
  @Test
  void messagesSentButNeverConfirmedAreSentAgainOnTheNextConnection() throws Exception {
    Connection amqp = TestBroker.connect();
    String queue = TestBroker.newName();
    ConnectionFactory direct = TestBroker.factory();
    Counting counting = new Counting(Long.MAX_VALUE, new CountDownLatch(0));
    try (TcpFaultProxy proxy = TcpFaultProxy.to(direct.getHost(), direct.getPort());
        SqliteStore store = SqliteStore.open(dir);
        Errand errand = Errand.builder().store(store).runWorkers(false).build().start()) {
      amqp.createChannel().queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
      Set<String> ids = publish(Outbox.of(errand), queue, 2_000);
      ConnectionFactory proxied = TestBroker.factory();
      proxied.setPort(proxy.port());
      try (OutboxRelay relay = OutboxRelay.builder(store, proxied).batchSize(50).concurrency(1)
          .metrics(counting).maxReconnectBackoff(Duration.ofMillis(200)).build().start()) {
        await().atMost(Duration.ofSeconds(60)).until(() -> counting.confirmed.get() >= 200);
        proxy.stall();
        // Whatever the relay sends from here waits for a confirm that cannot come.
        long atStall = counting.published.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> counting.published.get() > atStall);
        assertThat(counting.published.get() - counting.confirmed.get()).as("sent and unconfirmed").isPositive();
        proxy.refuse();
        await().atMost(Duration.ofSeconds(30)).until(() -> !relay.status().get(0).connected());
        proxy.heal();
        await().atMost(Duration.ofSeconds(120)).until(() -> unfinished(errand, Outbox.DEFAULT_QUEUE) == 0);
      }
      assertThat(counting.republished.get()).as("sent again on the new connection").isPositive();
      assertEveryOneArrived(amqp, queue, ids, counting);
    } finally {
      try (Channel c = amqp.createChannel()) {
        c.queueDelete(queue);
      }
      amqp.close();
    }
  }

  private static Set<String> publish(Outbox outbox, String queue, int n) {
    Set<String> ids = new HashSet<>();
    for (int chunk = 0; chunk < n / 1000; chunk++) {
      List<AmqpMessage> messages = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        messages.add(AmqpMessage.builder("", queue).json("{\"n\":" + (chunk * 1000 + i) + "}").build());
      }
      for (Enqueued e : outbox.publishMany(messages)) {
        ids.add(e.id().value());
      }
    }
    return ids;
  }

  /** Reads the queue dry: every task's id arrives as a message-id, and nothing else does. */
  private static void assertEveryOneArrived(Connection amqp, String queue, Set<String> ids, Counting counting)
      throws Exception {
    Channel reader = amqp.createChannel();
    reader.basicQos(1000);
    long total = TestBroker.messageCount(amqp, queue);
    Map<String, Integer> seen = new ConcurrentHashMap<>();
    AtomicLong received = new AtomicLong();
    reader.basicConsume(queue, true, new DefaultConsumer(reader) {
      @Override
      public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body) {
        seen.merge(props.getMessageId(), 1, Integer::sum);
        received.incrementAndGet();
      }
    });
    await().atMost(Duration.ofSeconds(60)).until(() -> received.get() >= total);
    System.out.printf("relay reconnect: %d messages, %d received, %d distinct message-ids, %d duplicates, "
        + "%d republished, %d publishes%n", ids.size(), total, seen.size(), total - seen.size(),
        counting.republished.get(), counting.published.get());
    assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    // Sends cut off by the close never reach the queue, so there may be more sends than messages queued.
    assertThat(counting.published.get()).isGreaterThanOrEqualTo(total);
  }

  private static long unfinished(Errand errand, String queue) {
    long n = 0;
    for (QueueInfo q : errand.queues()) {
      if (q.queue().equals(queue)) {
        for (Map.Entry<TaskState, Long> e : q.counts().entrySet()) {
          if (e.getKey() != TaskState.SUCCEEDED && e.getKey() != TaskState.DEAD) {
            n += e.getValue();
          }
        }
        n += q.counts().getOrDefault(TaskState.DEAD, 0L) * MESSAGES; // a dead one fails the test at once
      }
    }
    return n;
  }

  /** Counts the relay's sends, confirms and sends again; past {@code pauseAfter} sends, waits for {@code go}. */
  private static final class Counting implements RabbitMetrics {
    final AtomicLong published = new AtomicLong();
    final AtomicLong confirmed = new AtomicLong();
    final AtomicLong republished = new AtomicLong();
    private final long pauseAfter;
    private final CountDownLatch go;

    Counting(long pauseAfter, CountDownLatch go) {
      this.pauseAfter = pauseAfter;
      this.go = go;
    }

    /** On a relay loop's thread, after it sent a batch. */
    @Override
    public void published(int n) {
      if (published.addAndGet(n) >= pauseAfter) {
        try {
          go.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void confirmed(int n) {
      confirmed.addAndGet(n);
    }

    @Override
    public void republished(int n) {
      republished.addAndGet(n);
    }
  }
}
