package dev.errand.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.errand.core.Errand;
import dev.errand.core.TaskState;
import dev.errand.core.spi.QueueInfo;
import dev.errand.rabbitmq.AmqpMessage;
import dev.errand.rabbitmq.Outbox;
import dev.errand.rabbitmq.OutboxRelay;
import dev.errand.rabbitmq.RabbitMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code relay}: N small messages put in the outbox, then the relay ({@code --producers} loops, batches of
 * {@code --batch}, at most 10,000) publishes them with confirms to a quorum queue; messages per second from
 * the relay's start to the last completion written. In the same run, a bare confirm-mode amqp-client
 * publisher sends N messages of the same size to another quorum queue in batches of the same size: the
 * ceiling, and {@code of_bare} is the relay's share of it. Checked: the queue holds N messages.
 *
 * <pre>./errand bench relay --store sqlite: --n 100000 --batch 500 --producers 4 --runs 3</pre>
 */
final class RelayScenario extends FreshStoreScenario {
  RelayScenario() {
    super("relay", 100_000);
  }

  @Override
  List<Measurement> measure(FreshStore fresh, BenchSettings s) throws Exception {
    int batch = Math.min(s.batch(), 10_000);
    byte[] body = Payloads.ofSize(s.payloadBytes()).toByteArray();
    String bareQueue = BenchBroker.newQueueName();
    String relayQueue = BenchBroker.newQueueName();
    try (Connection amqp = BenchBroker.factory().newConnection("errand-bench");
        Errand errand = Errand.builder().store(fresh.store()).runWorkers(false).runSchedules(false).build().start()) {
      Channel ch = amqp.createChannel();
      try {
        BenchBroker.declareQuorum(ch, bareQueue);
        BenchBroker.declareQuorum(ch, relayQueue);
        long bareNanos = BenchBroker.publishWithConfirms(amqp, bareQueue, s.n(), batch, body, null);

        Outbox outbox = Outbox.of(errand);
        long enqueueStart = System.nanoTime();
        List<AmqpMessage> chunk = new ArrayList<>(1000);
        for (int i = 0; i < s.n(); i++) {
          chunk.add(AmqpMessage.builder("", relayQueue).body(body).contentType("application/json").build());
          if (chunk.size() == 1000 || i == s.n() - 1) {
            outbox.publishMany(chunk);
            chunk.clear();
          }
        }
        long enqueueNanos = System.nanoTime() - enqueueStart;
        fresh.settle().run();
        CpuUse cpu = CpuUse.start();
        long start = System.nanoTime();
        long relayNanos;
        Map<String, Double> m = new LinkedHashMap<>();
        java.util.concurrent.atomic.AtomicLong settled = new java.util.concurrent.atomic.AtomicLong();
        RabbitMetrics counting = new RabbitMetrics() {
          @Override
          public void confirmed(int k) {
            settled.addAndGet(k);
          }
        };
        try (OutboxRelay relay = OutboxRelay.builder(fresh.store(), BenchBroker.factory()).concurrency(s.producers())
            .batchSize(batch).pollInterval(java.time.Duration.ofMillis(5)).metrics(counting).build().start()) {
          long deadline = start + s.timeout().toNanos();
          // The store is asked for its counts only once every message is confirmed: polling it sooner would
          // compete with the relay for the store.
          while (settled.get() < s.n() || unfinished(errand) > 0) {
            if (System.nanoTime() > deadline) {
              throw new CorrectnessException("the relay did not finish " + s.n() + " messages within " + s.timeout());
            }
            Thread.sleep(5);
          }
          relayNanos = System.nanoTime() - start;
          cpu.put(m, s.n());
        }
        long queued = BenchBroker.messageCount(amqp, relayQueue);
        if (queued < s.n()) {
          throw new CorrectnessException("the relay reported " + s.n() + " messages done but the queue holds " + queued);
        }
        double relayRate = Stats.perSecond(s.n(), relayNanos);
        double bareRate = Stats.perSecond(s.n(), bareNanos);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("msgs_per_s", relayRate);
        out.put("bare_msgs_per_s", bareRate);
        out.put("of_bare", relayRate / bareRate);
        out.put("duplicates", (double) (queued - s.n()));
        out.put("outbox_enqueue_per_s", Stats.perSecond(s.n(), enqueueNanos));
        out.putAll(m);
        return List.of(new Measurement(name(), "relay-c" + s.producers() + "-b" + batch, s.n(), out));
      } finally {
        ch.queueDelete(bareQueue);
        ch.queueDelete(relayQueue);
      }
    }
  }

  private static long unfinished(Errand errand) {
    long n = 0;
    for (QueueInfo q : errand.queues()) {
      if (q.queue().equals(Outbox.DEFAULT_QUEUE)) {
        for (Map.Entry<TaskState, Long> e : q.counts().entrySet()) {
          if (e.getKey() == TaskState.DEAD) {
            throw new CorrectnessException(e.getValue() + " outbox messages are DEAD");
          }
          if (e.getKey() != TaskState.SUCCEEDED) {
            n += e.getValue();
          }
        }
      }
    }
    return n;
  }
}
