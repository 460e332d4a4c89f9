package dev.errand.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;
import dev.errand.core.Task;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.TaskStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;

/**
 * One relay loop: its own connection and confirm channel, and a window of two batches on the wire: batch
 * N+1 is claimed and published while batch N's confirms are on their way, and the outcomes go to a
 * {@link RelayCompleter} that writes them while the loop goes on. The confirm, return and shutdown
 * callbacks run on the client's threads, touch {@link #pending} under {@link #lock} and hand each settled
 * message's outcome to the completer; claiming, publishing, the confirm deadline and reconnecting run on
 * the loop's thread. Internal.
 */
final class RelayLoop extends BrokerLoop {
  /**
   * Batches on the wire at once. Two hide the next claim behind the confirms of the batch before; more
   * hold more leases (and more RUNNING rows for the completion to find) for no gain measured: two, three
   * and four were alike within the noise of a loaded machine.
   */
  static final int WINDOW_BATCHES = 2;

  private final TaskStore store;
  private final ConnectionFactory factory;
  private final String queue;
  private final String workerId;
  private final int batchSize;
  private final int window;
  private final Duration confirmTimeout;
  private final Duration leaseFor;
  private final Duration pollInterval;
  private final RabbitMetrics metrics;
  private final Logger log;
  private final RelayCompleter completer;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition settled = lock.newCondition();
  // guarded by lock: the messages on the wire by publish sequence number, the returns not yet acked, and
  // the random the retries' backoff draws from
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  private final Map<String, String> returned = new HashMap<>();
  private final SplittableRandom random = new SplittableRandom();
  private Channel channel;
  private boolean channelLost;

  private Connection connection;
  /** Sent and not confirmed when the channel was lost: sent again, same message-id. Loop thread only. */
  private List<Task> unsettled = List.of();

  /** A message on the wire; {@code giveUpAtNanos} is when its lease runs out. */
  private record Pending(Task task, long sentNanos, long giveUpAtNanos) {}

  RelayLoop(Logger log, OutboxRelay.Builder b, String workerId, RabbitMetrics metrics) {
    super(log, workerId, "relay of queue " + b.queue, workerId, b.maxReconnectBackoff);
    this.log = log;
    this.store = b.store;
    this.factory = b.factory.clone();
    this.factory.setAutomaticRecoveryEnabled(false); // the loop reconnects itself and knows what was in flight
    this.factory.setTopologyRecoveryEnabled(false);
    this.queue = b.queue;
    this.workerId = workerId;
    this.batchSize = b.batchSize;
    this.window = WINDOW_BATCHES * b.batchSize;
    this.confirmTimeout = b.confirmTimeout;
    this.leaseFor = b.leaseFor;
    this.pollInterval = b.pollInterval;
    this.metrics = metrics;
    this.completer = new RelayCompleter(b.store, log, workerId);
  }

  /** Starts the completer, then the loop. */
  void begin() {
    completer.start();
    start();
  }

  private Channel channel() {
    lock.lock();
    try {
      return channel;
    } finally {
      lock.unlock();
    }
  }

  String name() {
    return workerId;
  }

  /** Whether the loop has an open channel (for the relay's status). */
  boolean connected() {
    lock.lock();
    try {
      return channel != null && !channelLost;
    } finally {
      lock.unlock();
    }
  }

  @Override
  void pass() throws Exception {
    if (channel() == null) {
      open();
      if (!unsettled.isEmpty()) {
        List<Task> again = refreshLeases(unsettled);
        unsettled = List.of(); // those whose lease is gone are someone else's now
        metrics.republished(again.size());
        publish(again, System.nanoTime() + leaseFor.toNanos());
      }
      return;
    }
    expireOverdue();
    if (completer.backlog() >= window) {
      completer.awaitBacklogBelow(window, pollInterval); // the store lags behind: claim no more meanwhile
      return;
    }
    if (window - inFlight() < batchSize) {
      awaitSettled(window - batchSize);
      return;
    }
    long claimedAt = System.nanoTime();
    List<Task> batch = store.claim(new ClaimRequest(queue, batchSize, leaseFor, workerId)).tasks();
    if (!batch.isEmpty()) {
      publish(batch, claimedAt + leaseFor.toNanos());
    } else if (inFlight() == 0) {
      Thread.sleep(pollInterval);
    } else {
      awaitSettled(0);
    }
  }

  private int inFlight() {
    lock.lock();
    try {
      return pending.size();
    } finally {
      lock.unlock();
    }
  }

  private void open() throws Exception {
    closeConnection();
    Connection c = factory.newConnection(workerId);
    Channel ch;
    try {
      ch = c.createChannel();
      ch.confirmSelect();
    } catch (IOException | RuntimeException e) {
      c.abort();
      throw e;
    }
    ch.addConfirmListener((seq, multiple) -> settle(ch, seq, multiple, true),
        (seq, multiple) -> settle(ch, seq, multiple, false));
    ch.addReturnListener(r -> returned(ch, r));
    ch.addShutdownListener(cause -> lost(ch));
    connection = c;
    lock.lock();
    try {
      channel = ch;
      channelLost = false;
      returned.clear();
    } finally {
      lock.unlock();
    }
    log.info("{} connected to RabbitMQ, relaying queue {}", workerId, queue);
  }

  /** On the client's thread: the broker's word on one message or (multiple) every one up to seq. */
  private void settle(Channel ch, long seq, boolean multiple, boolean ack) {
    long now = System.nanoTime();
    int ok = 0;
    int bounced = 0;
    int refused = 0;
    lock.lock();
    try {
      if (ch != channel) {
        return;
      }
      NavigableMap<Long, Pending> done = multiple ? pending.headMap(seq, true) : pending.subMap(seq, true, seq, true);
      for (Pending p : done.values()) {
        String reason = returned.remove(p.task().id().value());
        Completion.Outcome outcome;
        if (!ack) {
          refused++;
          outcome = retry(p.task(), "nacked by the broker");
        } else if (reason != null) {
          bounced++;
          outcome = new Completion.Dead(reason);
        } else {
          ok++;
          metrics.confirmLatency(Duration.ofNanos(now - p.sentNanos()));
          outcome = new Completion.Succeeded(null);
        }
        completer.add(completion(p.task(), outcome), p.giveUpAtNanos());
      }
      done.clear();
      settled.signalAll();
    } finally {
      lock.unlock();
    }
    metrics.confirmed(ok);
    metrics.returned(bounced);
    metrics.nacked(refused);
  }

  /** A return comes before the ack of the same message, so the ack finds it here. */
  private void returned(Channel ch, Return r) {
    String reason = "unroutable: returned by the broker with " + r.getReplyCode() + " " + r.getReplyText()
        + " (exchange '" + r.getExchange() + "', routing key '" + r.getRoutingKey() + "')";
    lock.lock();
    try {
      if (ch == channel && r.getProperties().getMessageId() != null) {
        returned.put(r.getProperties().getMessageId(), reason);
      }
    } finally {
      lock.unlock();
    }
  }

  private void lost(Channel ch) {
    lock.lock();
    try {
      if (ch == channel) {
        channelLost = true;
        settled.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Publishes a batch. If the channel breaks part-way, what is on the wire and what was not sent yet are
   * kept to be sent again on a new channel, and this throws.
   */
  private void publish(List<Task> batch, long giveUpAtNanos) throws IOException {
    Channel ch = channel();
    int sent = 0;
    int i = 0;
    try {
      for (; i < batch.size(); i++) {
        Task task = batch.get(i);
        AmqpMessage m;
        try {
          m = OutboxPayload.decode(task.payload());
        } catch (IllegalArgumentException e) {
          completer.add(completion(task, new Completion.Dead(e.getMessage())), giveUpAtNanos);
          continue;
        }
        lock.lock();
        try {
          pending.put(ch.getNextPublishSeqNo(), new Pending(task, System.nanoTime(), giveUpAtNanos));
        } finally {
          lock.unlock();
        }
        ch.basicPublish(m.exchange(), m.routingKey(), true, properties(task, m), m.bodyUnsafe());
        sent++;
      }
    } catch (IOException | ShutdownSignalException e) {
      List<Task> notSent = batch.subList(i + 1, batch.size());
      throw channelLost(ch, notSent, e);
    } finally {
      // Counted even when the connection broke part-way: what was sent before may be in the queue.
      metrics.published(sent);
    }
  }

  /**
   * Sent but not confirmed: kept, and sent again on a new channel, since the broker may or may not have
   * them; the callbacks of the old channel are ignored from here on.
   */
  private IOException channelLost(Channel ch, List<Task> notSent, Exception cause) {
    List<Task> again = new ArrayList<>();
    lock.lock();
    try {
      if (ch == channel) {
        pending.values().forEach(p -> again.add(p.task()));
        pending.clear();
        returned.clear();
        channel = null;
        channelLost = false;
      }
    } finally {
      lock.unlock();
    }
    again.addAll(notSent);
    again.addAll(unsettled);
    unsettled = again;
    closeConnection();
    return new IOException(workerId + " lost its channel with " + again.size() + " messages unconfirmed", cause);
  }

  /** Messages whose confirm did not come by the deadline are retried with backoff, as if nacked. */
  private void expireOverdue() throws IOException {
    long now = System.nanoTime();
    int timedOut = 0;
    Channel ch;
    boolean lost;
    lock.lock();
    try {
      ch = channel;
      lost = channelLost;
      if (!lost) {
        var it = pending.values().iterator();
        while (it.hasNext()) {
          Pending p = it.next();
          if (now - p.sentNanos() < confirmTimeout.toNanos()) {
            break;
          }
          it.remove();
          returned.remove(p.task().id().value());
          completer.add(completion(p.task(), retry(p.task(), "no confirm from the broker within " + confirmTimeout)),
              p.giveUpAtNanos());
          timedOut++;
        }
      }
    } finally {
      lock.unlock();
    }
    metrics.nacked(timedOut);
    if (lost) {
      throw channelLost(ch, List.of(), null);
    }
  }

  /**
   * Waits until at most {@code atMost} messages are on the wire, the channel is lost, the oldest one's
   * confirm deadline or the poll interval.
   */
  private void awaitSettled(int atMost) throws InterruptedException {
    long deadline = System.nanoTime() + pollInterval.toNanos();
    lock.lock();
    try {
      if (!pending.isEmpty()) {
        deadline = Math.min(deadline, pending.firstEntry().getValue().sentNanos() + confirmTimeout.toNanos());
      }
      while (pending.size() > atMost && !channelLost) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        settled.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private static AMQP.BasicProperties properties(Task task, AmqpMessage m) {
    Map<String, Object> headers = m.headers().isEmpty() ? null : new LinkedHashMap<>(m.headers());
    return new AMQP.BasicProperties.Builder()
        .messageId(task.id().value())
        .contentType(m.contentType())
        .headers(headers)
        .deliveryMode(2)
        .build();
  }

  private Completion.Outcome retry(Task task, String error) {
    return task.retry().allowsRetryAfter(task.attempt())
        ? new Completion.Retry(task.retry().backoff(task.attempt(), random), error)
        : new Completion.Dead(error);
  }

  private static Completion completion(Task task, Completion.Outcome outcome) {
    return new Completion(task.id(), task.lease().token(), outcome);
  }

  private List<Task> refreshLeases(List<Task> tasks) {
    List<LeaseRef> refs = new ArrayList<>(tasks.size());
    for (Task t : tasks) {
      refs.add(new LeaseRef(t.id(), t.lease().token()));
    }
    ExtendResult result = store.extendMany(new ExtendRequest(refs, leaseFor));
    List<Task> kept = new ArrayList<>(tasks.size());
    for (Task t : tasks) {
      if (result.extended().containsKey(t.id())) {
        kept.add(t);
      }
    }
    return kept;
  }

  /**
   * After the last pass: the messages on the wire get until their confirm deadline (stop's grace cuts
   * it short), the completer writes what the broker settled, and what is left is released for a later
   * claim (published again, same message-id).
   */
  @Override
  protected void cleanUp() {
    boolean interrupted = false;
    try {
      lock.lock();
      try {
        while (!pending.isEmpty() && !channelLost) {
          long left = pending.firstEntry().getValue().sentNanos() + confirmTimeout.toNanos() - System.nanoTime();
          if (left <= 0) {
            break;
          }
          settled.awaitNanos(left);
        }
      } finally {
        lock.unlock();
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    interrupted |= Thread.interrupted(); // the writes below must not be cut short by stop's interrupt
    List<Task> left = new ArrayList<>(unsettled);
    lock.lock();
    try {
      pending.values().forEach(p -> left.add(p.task()));
      pending.clear();
      channel = null; // late confirms are ignored: these are released
    } finally {
      lock.unlock();
    }
    unsettled = List.of();
    try {
      completer.close(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      interrupted = true;
    }
    if (!left.isEmpty()) {
      List<Completion> release = new ArrayList<>(left.size());
      for (Task t : left) {
        release.add(completion(t, new Completion.Release(Duration.ZERO)));
      }
      try {
        store.completeMany(new CompleteRequest(release));
      } catch (RuntimeException e) {
        log.warn("{} could not release {} messages at stop; their leases will run out: {}",
            workerId, release.size(), e.toString());
      }
    }
    closeConnection();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeConnection() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      c.abort(1000);
    }
  }
}
