package dev.errand.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.errand.core.Errand;
import dev.errand.core.TaskState;
import dev.errand.core.spi.QueueInfo;
import dev.errand.rabbitmq.Inbox;
import dev.errand.rabbitmq.Queues;
import dev.errand.rabbitmq.RabbitMetrics;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code inbox}: N small messages (message-id and {@code type} header) waiting in a quorum queue, then the
 * inbox (prefetch twice {@code --batch}, batches of {@code --batch}, at most 10,000) turns them into
 * tasks; messages per second from its start to the last task durable. In the same run, a bare amqp-client
 * consumer with the same prefetch and acks ({@code multiple} per batch) drains N messages of the same
 * size without a store: the ceiling, and {@code of_bare} is the inbox's share of it. Checked: exactly N
 * READY tasks and an empty queue.
 *
 * <pre>./errand bench inbox --store sqlite: --store postgres://postgres@127.0.0.1:5432/bench --n 100000 --batch 500</pre>
 */
final class InboxScenario extends FreshStoreScenario {
  private static final String TASK_QUEUE = "bench-inbox";

  InboxScenario() {
    super("inbox", 100_000);
  }

  @Override
  List<Measurement> measure(FreshStore fresh, BenchSettings s) throws Exception {
    int batch = Math.min(s.batch(), 10_000);
    int prefetch = Math.min(batch * 2, 65_535);
    byte[] body = Payloads.ofSize(s.payloadBytes()).toByteArray();
    Map<String, Object> headers = Map.of("type", CountingWorkers.TYPE);
    String queue = BenchBroker.newQueueName();
    try (Connection amqp = BenchBroker.factory().newConnection("errand-bench");
        Errand errand = Errand.builder().store(fresh.store()).runWorkers(false).runSchedules(false).build().start()) {
      Channel ch = amqp.createChannel();
      try {
        Queues.declare(ch, queue, Queues.DEFAULT_DELIVERY_LIMIT);
        BenchBroker.publishWithConfirms(amqp, queue, s.n(), batch, body, headers);
        long bareNanos = bareConsume(amqp, queue, s.n(), prefetch, batch);

        BenchBroker.publishWithConfirms(amqp, queue, s.n(), batch, body, headers);
        CpuUse cpu = CpuUse.start();
        Map<String, Double> m = new LinkedHashMap<>();
        long start = System.nanoTime();
        long inboxNanos;
        java.util.concurrent.atomic.AtomicLong consumed = new java.util.concurrent.atomic.AtomicLong();
        RabbitMetrics counting = new RabbitMetrics() {
          @Override
          public void consumed(int k) {
            consumed.addAndGet(k);
          }
        };
        try (Inbox inbox = Inbox.builder(errand, BenchBroker.factory(), queue).taskQueue(TASK_QUEUE)
            .prefetch(prefetch).batchSize(batch).metrics(counting).build().start()) {
          long deadline = start + s.timeout().toNanos();
          // consumed counts deliveries acked after their insert was durable; the store is read at the end only
          while (consumed.get() < s.n()) {
            if (System.nanoTime() > deadline) {
              throw new CorrectnessException("the inbox took in " + consumed.get() + " of " + s.n() + " within " + s.timeout());
            }
            Thread.sleep(5);
          }
          inboxNanos = System.nanoTime() - start;
          cpu.put(m, s.n());
        }
        long ready = ready(errand);
        long left = BenchBroker.messageCount(amqp, queue);
        if (ready != s.n() || left != 0) {
          throw new CorrectnessException("after " + s.n() + " deliveries the store holds " + ready
              + " READY tasks and the queue " + left + " messages");
        }
        double inboxRate = Stats.perSecond(s.n(), inboxNanos);
        double bareRate = Stats.perSecond(s.n(), bareNanos);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("msgs_per_s", inboxRate);
        out.put("bare_msgs_per_s", bareRate);
        out.put("of_bare", inboxRate / bareRate);
        out.putAll(m);
        return List.of(new Measurement(name(), "inbox-b" + batch, s.n(), out));
      } finally {
        Queues.delete(ch, queue);
      }
    }
  }

  /** The ceiling: manual acks with {@code multiple} every {@code batch} deliveries, no store. */
  private static long bareConsume(Connection amqp, String queue, int n, int prefetch, int batch) throws Exception {
    try (Channel ch = amqp.createChannel()) {
      ch.basicQos(prefetch);
      CountDownLatch done = new CountDownLatch(1);
      long start = System.nanoTime();
      String tag = ch.basicConsume(queue, false, new DefaultConsumer(ch) {
        private int seen;

        @Override
        public void handleDelivery(String consumerTag, Envelope env, AMQP.BasicProperties p, byte[] b)
            throws IOException {
          seen++;
          if (seen % batch == 0 || seen == n) {
            getChannel().basicAck(env.getDeliveryTag(), true);
          }
          if (seen == n) {
            done.countDown();
          }
        }
      });
      if (!done.await(10, TimeUnit.MINUTES)) {
        throw new CorrectnessException("the bare consumer did not get " + n + " messages");
      }
      long nanos = System.nanoTime() - start;
      ch.basicCancel(tag);
      return nanos;
    }
  }

  private static long ready(Errand errand) {
    for (QueueInfo q : errand.queues()) {
      if (q.queue().equals(TASK_QUEUE)) {
        return q.counts().getOrDefault(TaskState.READY, 0L);
      }
    }
    return 0;
  }
}
