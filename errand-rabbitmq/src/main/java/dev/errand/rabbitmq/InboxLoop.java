package dev.errand.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Delivery;
import com.rabbitmq.client.Envelope;
import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.InvalidTaskException;
import dev.errand.core.TaskSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;

/**
 * The inbox's consumer loop. The client's consumer thread only hands deliveries over through
 * {@link #deliveries} (bounded by the prefetch); converting and acking happen on the loop's thread, and
 * each batch's insert on a virtual thread of its own, up to {@link #INSERTS_IN_FLIGHT} at once: the next
 * batch is converted and its insert started while the last one's is under way. Batches are settled in the
 * order they were taken, so every delivery tag up to a batch's last is settled before its ack and an ack
 * with {@code multiple} covers exactly the batch's accepted deliveries. Internal.
 */
final class InboxLoop extends BrokerLoop {
  private static final long POLL_MILLIS = 200;
  private static final long MAX_INSERT_BACKOFF_MILLIS = 2000;
  /**
   * Batches whose insert is under way at once. Two overlap one batch's store write with the next one's
   * conversion and round trip (and let SQLite commit both in one group); the prefetch bounds the rest.
   */
  static final int INSERTS_IN_FLIGHT = 2;
  /** Put in {@link #deliveries} when an insert ends, so that the loop settles it at once. */
  private static final Received WAKE = new Received(null, null);

  private final Errand errand;
  private final ConnectionFactory factory;
  private final String queue;
  private final DeliveryConverter converter;
  private final int prefetch;
  private final int batchSize;
  private final boolean declare;
  private final int deliveryLimit;
  private final RabbitMetrics metrics;
  private final Logger log;
  private final String name;
  private final BlockingQueue<Received> deliveries = new LinkedBlockingQueue<>();
  private Connection connection;
  private volatile Channel channel;
  /** Batches being inserted, oldest first. Loop thread only. */
  private final ArrayDeque<Inserting> inserting = new ArrayDeque<>();

  /** A batch's accepted deliveries and its insert: per delivery, null if its task exists, else why not. */
  private record Inserting(Channel channel, List<Received> converted, CompletableFuture<List<String>> refused) {}

  /** A delivery and the channel it came on: only that channel can ack it. */
  private record Received(Channel channel, Delivery delivery) {
    long tag() {
      return delivery.getEnvelope().getDeliveryTag();
    }
  }

  InboxLoop(Logger log, Inbox.Builder b, DeliveryConverter converter, RabbitMetrics metrics) {
    super(log, "inbox " + b.queue, "consume", "errand-inbox-" + b.queue, b.maxBackoff);
    this.log = log;
    this.name = "inbox " + b.queue;
    this.errand = b.errand;
    this.factory = b.factory.clone();
    this.factory.setAutomaticRecoveryEnabled(false); // the loop reconnects, redeclares and consumes again
    this.factory.setTopologyRecoveryEnabled(false);
    this.queue = b.queue;
    this.converter = converter;
    this.prefetch = b.prefetch;
    this.batchSize = b.batchSize;
    this.declare = b.declare;
    this.deliveryLimit = b.deliveryLimit;
    this.metrics = metrics;
  }

  @Override
  void pass() throws Exception {
    Channel ch = channel;
    if (ch == null || !ch.isOpen()) {
      open();
      return;
    }
    settle(false);
    if (inserting.size() >= INSERTS_IN_FLIGHT) {
      settle(true);
      return;
    }
    Received first = deliveries.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
    if (first == null || first == WAKE) {
      return;
    }
    List<Received> batch = new ArrayList<>(batchSize);
    batch.add(first);
    deliveries.drainTo(batch, batchSize - 1);
    List<Received> converted = new ArrayList<>(batch.size());
    List<TaskSpec> specs = new ArrayList<>(batch.size());
    for (Received r : batch) {
      if (r.channel() != ch) {
        continue; // a wake-up, or came on a channel since closed: the broker has taken it back and delivers it again
      }
      try {
        specs.add(converter.convert(r.delivery()));
        converted.add(r);
      } catch (UnconvertibleMessageException e) {
        reject(r, e.getMessage());
      } catch (RuntimeException e) {
        log.warn("{} could not convert delivery {} (message-id {}); requeued until the delivery limit: {}",
            name, r.tag(), r.delivery().getProperties().getMessageId(), e.toString());
        ch.basicNack(r.tag(), false, true);
      }
    }
    if (specs.isEmpty()) {
      return;
    }
    CompletableFuture<List<String>> refused = new CompletableFuture<>();
    Thread.ofVirtual().name(name + "-insert").start(() -> {
      try {
        refused.complete(insert(ch, specs));
      } catch (Throwable t) {
        refused.completeExceptionally(t);
      } finally {
        deliveries.add(WAKE);
      }
    });
    inserting.add(new Inserting(ch, converted, refused));
  }

  /** Whether the inbox holds an open channel now. */
  boolean connected() {
    Channel ch = channel;
    return ch != null && ch.isOpen();
  }

  /**
   * Acks (and rejects) the batches whose insert has ended, oldest first, stopping at the first still
   * under way; with {@code await}, waits for the oldest one first.
   */
  private void settle(boolean await) throws InterruptedException, IOException {
    while (!inserting.isEmpty()) {
      Inserting head = inserting.peek();
      if (!await && !head.refused().isDone()) {
        return;
      }
      await = false;
      List<String> refused;
      try {
        refused = head.refused().get();
      } catch (ExecutionException e) {
        inserting.poll();
        abort(head.channel()); // the batches after it must not be acked past its deliveries
        throw new IOException(name + " insert failed", e.getCause());
      }
      inserting.poll();
      if (refused == null) {
        abort(head.channel()); // stopping, or the channel closed while the store was down: the deliveries go back
        continue;
      }
      if (head.channel().isOpen()) {
        ackOrReject(head.channel(), head.converted(), refused);
      }
    }
  }

  private void ackOrReject(Channel ch, List<Received> converted, List<String> refused) throws IOException {
    long lastAccepted = -1;
    int accepted = 0;
    for (int i = 0; i < converted.size(); i++) {
      Received r = converted.get(i);
      if (refused.get(i) != null) {
        reject(r, refused.get(i));
      } else {
        lastAccepted = r.tag();
        accepted++;
      }
    }
    if (lastAccepted >= 0) {
      ch.basicAck(lastAccepted, true);
      metrics.consumed(accepted);
    }
  }

  /** Closes the channel's connection if it is still the current one: its unacked deliveries go back. */
  private void abort(Channel ch) {
    if (ch == channel) {
      closeConnection();
    }
  }

  /**
   * Inserts the batch, retrying while the store fails and the channel lives. Returns, per spec, null if
   * its task now exists (made now or found again) or the reason it can never be inserted; or null as a
   * whole when the deliveries are to go back to the queue unacked.
   */
  private List<String> insert(Channel ch, List<TaskSpec> specs) throws InterruptedException, IOException {
    long backoff = 100;
    int failures = 0;
    while (true) {
      try {
        List<String> refused = new ArrayList<>(specs.size());
        try {
          for (Enqueued e : errand.enqueueMany(specs)) {
            refused.add(refusal(e));
          }
        } catch (InvalidTaskException invalid) {
          refused.clear();
          for (TaskSpec spec : specs) { // rare: find the one the store refuses, insert the others
            try {
              refused.add(refusal(errand.enqueueMany(List.of(spec)).getFirst()));
            } catch (InvalidTaskException e) {
              refused.add("refused by the store: " + e.getMessage());
            }
          }
        }
        if (failures > 0) {
          log.info("{} inserts again after {} failures", name, failures);
        }
        return refused;
      } catch (RuntimeException e) {
        if (failures++ == 0) {
          log.warn("{} cannot insert {} deliveries, holding them unacked and retrying: {}", name, specs.size(),
              e.toString());
        }
        if (stopping() || !ch.isOpen()) {
          return null;
        }
        Thread.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_INSERT_BACKOFF_MILLIS);
      }
    }
  }

  private static String refusal(Enqueued e) {
    return e.conflict() ? "its id or key already names a different task " + e.id() : null;
  }

  private void reject(Received r, String reason) throws IOException {
    log.warn("{} rejected delivery {} (message-id {}) to the dead-letter exchange: {}", name, r.tag(),
        r.delivery().getProperties().getMessageId(), reason);
    r.channel().basicReject(r.tag(), false);
    metrics.rejected(1);
  }

  private void open() throws Exception {
    closeConnection();
    inserting.clear(); // their channel is gone: the inserts end by themselves, the deliveries come again
    deliveries.clear(); // their channel is gone; the broker delivers them again
    Connection c = factory.newConnection("errand-" + name);
    try {
      Channel ch = c.createChannel();
      if (declare) {
        Queues.declare(ch, queue, deliveryLimit);
      }
      ch.basicQos(prefetch);
      ch.basicConsume(queue, false, "errand-" + name, new DefaultConsumer(ch) {
        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
          deliveries.add(new Received(ch, new Delivery(envelope, properties, body)));
        }
      });
      connection = c;
      channel = ch;
    } catch (IOException | RuntimeException e) {
      c.abort();
      throw e;
    }
    log.info("{} consuming (prefetch {}, batches of {})", name, prefetch, batchSize);
  }

  /** Acks the batches whose insert ends within a few seconds; the rest go back to the queue. */
  @Override
  protected void cleanUp() {
    boolean interrupted = Thread.interrupted();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    try {
      while (!inserting.isEmpty() && !interrupted) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          inserting.peek().refused().get(left, TimeUnit.NANOSECONDS);
          settle(false);
        } catch (TimeoutException e) {
          break;
        } catch (ExecutionException | IOException | RuntimeException e) {
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      inserting.clear();
      closeConnection();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void closeConnection() {
    Connection c = connection;
    connection = null;
    channel = null;
    if (c != null) {
      c.abort((int) Duration.ofSeconds(1).toMillis());
    }
  }
}
