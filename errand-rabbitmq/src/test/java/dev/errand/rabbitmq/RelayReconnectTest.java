package dev.errand.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.AMQP;
import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.TaskState;
import dev.errand.core.spi.QueueInfo;
import dev.errand.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rabbitmqctl close_all_connections} in the middle of relaying 10,000 messages: the relay reconnects
 * and every message arrives at least once, a duplicate always with the same message-id (the task's id).
 */
class RelayReconnectTest {
  private static final int MESSAGES = 10_000;

  @TempDir
  Path dir;

  @Test
  void everyMessageArrivesAtLeastOnceAfterTheBrokerClosesTheRelaysConnection() throws Exception {
    Connection amqp = TestBroker.connect();
    String queue = TestBroker.newName();
    Channel channel = amqp.createChannel();
    channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
    AtomicLong confirmed = new AtomicLong();
    AtomicInteger republished = new AtomicInteger();
    AtomicLong published = new AtomicLong();
    RabbitMetrics counting = new RabbitMetrics() {
      @Override
      public void published(int n) {
        published.addAndGet(n);
      }

      @Override
      public void confirmed(int n) {
        confirmed.addAndGet(n);
      }

      @Override
      public void republished(int n) {
        republished.addAndGet(n);
      }
    };
    try (SqliteStore store = SqliteStore.open(dir);
        Errand errand = Errand.builder().store(store).runWorkers(false).build().start()) {
      Outbox outbox = Outbox.of(errand);
      Set<String> ids = new HashSet<>();
      for (int chunk = 0; chunk < MESSAGES / 1000; chunk++) {
        List<AmqpMessage> messages = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          messages.add(AmqpMessage.builder("", queue).json("{\"n\":" + (chunk * 1000 + i) + "}").build());
        }
        for (Enqueued e : outbox.publishMany(messages)) {
          ids.add(e.id().value());
        }
      }
      // Small batches keep the relay busy long enough for rabbitmqctl to start and cut it off mid-stream.
      try (OutboxRelay relay = OutboxRelay.builder(store, TestBroker.factory()).batchSize(50).concurrency(2)
          .metrics(counting).maxReconnectBackoff(Duration.ofMillis(500)).build().start()) {
        await().atMost(Duration.ofSeconds(60)).until(() -> confirmed.get() >= 200);
        TestBroker.rabbitmqctl("close_all_connections", "errand relay reconnect test");
        long atClose = confirmed.get();
        System.out.println("connections closed after " + atClose + " confirms");
        assertThat(atClose).as("the close must come mid-relay").isLessThan(MESSAGES);
        await().atMost(Duration.ofSeconds(120)).until(() -> unfinished(errand, Outbox.DEFAULT_QUEUE) == 0);
      }
      // The test's own connection was closed too; it recovers by itself (automatic recovery).
      await().atMost(Duration.ofSeconds(30)).until(() -> amqp.isOpen());
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
      long duplicates = total - seen.size();
      System.out.printf("relay reconnect: %d messages, %d received, %d distinct message-ids, %d duplicates, "
          + "%d republished, %d publishes%n", MESSAGES, total, seen.size(), duplicates, republished.get(),
          published.get());
      assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(ids);
      // Sends cut off by the close never reach the queue, so there may be more sends than messages queued.
      assertThat(published.get()).isGreaterThanOrEqualTo(total);
    } finally {
      Channel c = amqp.createChannel();
      c.queueDelete(queue);
      amqp.close();
    }
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
}
