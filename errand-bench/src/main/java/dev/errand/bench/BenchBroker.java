package dev.errand.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.errand.rabbitmq.AmqpUrls;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * The RabbitMQ broker of the relay and inbox scenarios ({@code ERRAND_BENCH_AMQP_URL}, by default the
 * local one as guest), the bare amqp-client publisher and consumer they are measured against, and queues
 * named {@code errand-bench-<random>}, deleted after each run.
 */
final class BenchBroker {
  static final String URL = System.getenv().getOrDefault("ERRAND_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/");

  private BenchBroker() {}

  static ConnectionFactory factory() {
    return AmqpUrls.factory(URL);
  }

  static String newQueueName() {
    byte[] suffix = new byte[4];
    ThreadLocalRandom.current().nextBytes(suffix);
    return "errand-bench-" + HexFormat.of().formatHex(suffix);
  }

  static void declareQuorum(Channel ch, String queue) throws IOException {
    ch.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
  }

  static long messageCount(Connection c, String queue) throws IOException, TimeoutException {
    try (Channel ch = c.createChannel()) {
      return ch.queueDeclarePassive(queue).getMessageCount();
    }
  }

  /**
   * The ceiling: a bare confirm-mode publisher on one channel, {@code n} persistent messages with a
   * message-id in batches of {@code batch}, waiting for each batch's confirms as the relay does. Returns
   * the nanoseconds it took.
   */
  static long publishWithConfirms(Connection c, String queue, int n, int batch, byte[] body,
      Map<String, Object> headers) throws Exception {
    try (Channel ch = c.createChannel()) {
      ch.confirmSelect();
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().messageId("bench-" + i).deliveryMode(2)
            .contentType("application/json").headers(headers).build();
        ch.basicPublish("", queue, true, p, body);
        if ((i + 1) % batch == 0 || i == n - 1) {
          ch.waitForConfirmsOrDie(60_000);
        }
      }
      return System.nanoTime() - start;
    }
  }
}
