package dev.errand.server.internal;

import com.rabbitmq.client.ConnectionFactory;
import dev.errand.core.Errand;
import dev.errand.rabbitmq.AmqpUrls;
import dev.errand.rabbitmq.Inbox;
import dev.errand.rabbitmq.OutboxRelay;
import dev.errand.rabbitmq.RabbitMetrics;
import dev.errand.rabbitmq.RabbitStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's RabbitMQ edges, started and stopped with it: the outbox relay on the server's store and one
 * inbox per configured queue. Stop order: inboxes first (no new tasks), then the relay.
 */
public final class RabbitService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RabbitService.class);
  private static final Duration GRACE = Duration.ofSeconds(5);

  private final OutboxRelay relay;
  private final List<Inbox> inboxes;

  private RabbitService(OutboxRelay relay, List<Inbox> inboxes) {
    this.relay = relay;
    this.inboxes = inboxes;
  }

  /** Starts the relay and the inboxes; they connect (and reconnect) in the background. */
  public static RabbitService start(RabbitConfig config, Errand errand, long maxPayloadBytes, RabbitMetrics metrics) {
    ConnectionFactory factory = AmqpUrls.factory(config.url());
    OutboxRelay relay = OutboxRelay.builder(errand.store(), factory).workerId(errand.workerId())
        .concurrency(config.outboxConcurrency()).batchSize(config.outboxBatchSize()).metrics(metrics).build();
    List<Inbox> inboxes = new ArrayList<>();
    for (RabbitConfig.InboxConfig c : config.inbox()) {
      Inbox.Builder b = Inbox.builder(errand, factory, c.queue()).format(c.format()).taskQueue(c.taskQueue())
          .prefetch(c.prefetch()).batchSize(c.batchSize()).declare(c.declare()).deliveryLimit(c.deliveryLimit())
          .routingKeyTypes(c.routingKeyTypes()).maxBodyBytes(maxPayloadBytes).metrics(metrics);
      if (c.idempotencyHeader() != null) {
        b.idempotencyHeader(c.idempotencyHeader());
      }
      inboxes.add(b.build());
    }
    relay.start();
    inboxes.forEach(Inbox::start);
    LOG.info("errand-server rabbitmq at {}: outbox relay x{}, {} inboxes", AmqpUrls.redacted(config.url()),
        config.outboxConcurrency(), inboxes.size());
    return new RabbitService(relay, List.copyOf(inboxes));
  }

  /** The relay's loops, then the inboxes, each with its connection state and counts. */
  public List<RabbitStatus> status() {
    List<RabbitStatus> all = new ArrayList<>(relay.status());
    inboxes.forEach(i -> all.add(i.status()));
    return all;
  }

  @Override
  public void close() {
    inboxes.forEach(i -> i.stop(GRACE));
    relay.stop(GRACE);
  }
}
