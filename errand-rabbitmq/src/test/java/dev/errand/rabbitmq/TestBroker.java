package dev.errand.rabbitmq;

import static org.junit.jupiter.api.Assertions.fail;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The RabbitMQ broker the tests run against: {@code ERRAND_TEST_AMQP_URL}, by default the local broker as
 * guest. Unreachable, tests are skipped on a developer's machine and fail under {@code CI=true}. Every
 * test names its queues and exchanges {@code errand-test-<random>} and deletes them after.
 */
final class TestBroker {
  static final String URL = System.getenv().getOrDefault("ERRAND_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/");

  private TestBroker() {}

  static ConnectionFactory factory() {
    ConnectionFactory f = AmqpUrls.factory(URL);
    f.setConnectionTimeout(3000);
    return f;
  }

  /** A connection for the test's own use (automatic recovery on); skips or, under CI, fails without a broker. */
  static Connection connect() {
    try {
      return factory().newConnection("errand-test");
    } catch (Exception e) {
      String message = "RabbitMQ is not reachable at " + AmqpUrls.redacted(URL) + ": " + e + " " + e.getCause();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (CI=true, so this fails instead of skipping)");
      }
      Assumptions.abort(message);
      throw new AssertionError(e);
    }
  }

  static String newName() {
    byte[] suffix = new byte[4];
    ThreadLocalRandom.current().nextBytes(suffix);
    String name = "errand-test-" + HexFormat.of().formatHex(suffix);
    System.out.println("test queue: " + name);
    return name;
  }

  static long messageCount(Connection c, String queue) throws IOException {
    try (Channel ch = c.createChannel()) {
      return ch.queueDeclarePassive(queue).getMessageCount();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException(e);
    }
  }

  /** Runs {@code rabbitmqctl} with {@code args}; fails the test unless it exits 0. */
  static String rabbitmqctl(String... args) throws IOException, InterruptedException {
    String[] command = new String[args.length + 1];
    command[0] = "rabbitmqctl";
    System.arraycopy(args, 0, command, 1, args.length);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      fail("rabbitmqctl " + String.join(" ", args) + " failed: " + out);
    }
    return out;
  }
}
