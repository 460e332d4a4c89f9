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
import dev.errand.rabbitmq.internal.SupervisedLoop;
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
 * One relay loop: its own connection and confirm channel, one batch in flight at a time. The confirm,
 * return and shutdown callbacks run on the client's threads and touch the batch state under
 * {@link #lock}; everything else runs on the loop's thread. Internal.
 */
final class RelayLoop extends SupervisedLoop {
  private static final Duration MAX_COMPLETE_BACKOFF = Duration.ofSeconds(2);

  private final TaskStore store;
  private final ConnectionFactory factory;
  private final String queue;
  private final String workerId;
  private final int batchSize;
  private final Duration confirmTimeout;
  private final Duration leaseFor;
  private final Duration pollInterval;
  private final RabbitMetrics metrics;
  private final Logger log;
  private final SplittableRandom random = new SplittableRandom();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition settled = lock.newCondition();
  // guarded by lock: the batch on the wire, by publish sequence number, and what the broker said of it
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  private final Map<String, String> returned = new HashMap<>();
  private final List<Pending> acked = new ArrayList<>();
  private final List<Pending> nacked = new ArrayList<>();
  private Channel channel;
  private boolean channelLost;

  private Connection connection;
  /** Claimed and not yet completed: sent again, same message-id, after a lost channel. Loop thread only. */
  private List<Task> inFlight = List.of();

  private record Pending(Task task, long sentNanos) {}

  RelayLoop(Logger log, OutboxRelay.Builder b, String workerId) {
    super(log, workerId, workerId, b.maxReconnectBackoff);
    this.log = log;
    this.store = b.store;
    this.factory = b.factory.clone();
    this.factory.setAutomaticRecoveryEnabled(false); // the loop reconnects itself and knows what was in flight
    this.factory.setTopologyRecoveryEnabled(false);
    this.queue = b.queue;
    this.workerId = workerId;
    this.batchSize = b.batchSize;
    this.confirmTimeout = b.confirmTimeout;
    this.leaseFor = b.leaseFor;
    this.pollInterval = b.pollInterval;
    this.metrics = b.metrics;
  }

  @Override
  protected void runOnce() throws Exception {
    if (channel == null || !channel.isOpen()) {
      open();
    }
    List<Task> batch;
    if (!inFlight.isEmpty()) {
      batch = refreshLeases(inFlight);
      metrics.republished(batch.size());
    } else {
      batch = store.claim(new ClaimRequest(queue, batchSize, leaseFor, workerId)).tasks();
      if (batch.isEmpty()) {
        Thread.sleep(pollInterval);
        return;
      }
    }
    inFlight = batch;
    publishAndSettle(batch);
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
    } finally {
      lock.unlock();
    }
    log.info("{} connected to RabbitMQ, relaying queue {}", workerId, queue);
  }

  private void settle(Channel ch, long seq, boolean multiple, boolean ack) {
    long now = System.nanoTime();
    lock.lock();
    try {
      if (ch != channel) {
        return;
      }
      NavigableMap<Long, Pending> done = multiple ? pending.headMap(seq, true) : pending.subMap(seq, true, seq, true);
      for (Pending p : done.values()) {
        (ack ? acked : nacked).add(p);
        if (ack) {
          metrics.confirmLatency(Duration.ofNanos(now - p.sentNanos()));
        }
      }
      done.clear();
      if (pending.isEmpty()) {
        settled.signalAll();
      }
    } finally {
      lock.unlock();
    }
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

  private void publishAndSettle(List<Task> batch) throws Exception {
    Channel ch;
    lock.lock();
    try {
      ch = channel;
      pending.clear();
      returned.clear();
      acked.clear();
      nacked.clear();
    } finally {
      lock.unlock();
    }
    long claimedAt = System.nanoTime();
    List<Completion> completions = new ArrayList<>(batch.size());
    Exception failure = null;
    int sent = 0;
    try {
      for (Task task : batch) {
        AmqpMessage m;
        try {
          m = OutboxPayload.decode(task.payload());
        } catch (IllegalArgumentException e) {
          completions.add(completion(task, new Completion.Dead(e.getMessage())));
          continue;
        }
        long seq = ch.getNextPublishSeqNo();
        lock.lock();
        try {
          pending.put(seq, new Pending(task, System.nanoTime()));
        } finally {
          lock.unlock();
        }
        ch.basicPublish(m.exchange(), m.routingKey(), true, properties(task, m), m.bodyUnsafe());
        sent++;
      }
    } catch (IOException | ShutdownSignalException e) {
      failure = e;
    } finally {
      // Counted even when the connection broke part-way: what was sent before may be in the queue.
      metrics.published(sent);
    }
    if (failure == null) {
      try {
        awaitConfirms(System.nanoTime() + confirmTimeout.toNanos());
      } catch (ShutdownSignalException e) {
        failure = e;
      }
    }
    List<Task> unsettled = new ArrayList<>();
    boolean lost;
    lock.lock();
    try {
      lost = channelLost || failure != null;
      int ok = 0;
      int bounced = 0;
      for (Pending p : acked) {
        String reason = returned.get(p.task().id().value());
        if (reason != null) {
          bounced++;
          completions.add(completion(p.task(), new Completion.Dead(reason)));
        } else {
          ok++;
          completions.add(completion(p.task(), new Completion.Succeeded(null)));
        }
      }
      metrics.confirmed(ok);
      metrics.returned(bounced);
      for (Pending p : nacked) {
        completions.add(completion(p.task(), retry(p.task(), "nacked by the broker")));
      }
      int timedOut = 0;
      for (Pending p : pending.values()) {
        if (lost) {
          unsettled.add(p.task());
        } else {
          timedOut++;
          completions.add(completion(p.task(), retry(p.task(), "no confirm from the broker within " + confirmTimeout)));
        }
      }
      metrics.nacked(nacked.size() + timedOut);
      pending.clear();
    } finally {
      lock.unlock();
    }
    if (lost) {
      // Sent but not confirmed: kept, and sent again on a new channel, since the broker may or may not have them.
      java.util.Set<dev.errand.core.TaskId> known = new java.util.HashSet<>();
      completions.forEach(c -> known.add(c.id()));
      unsettled.forEach(t -> known.add(t.id()));
      for (Task t : batch) {
        if (!known.contains(t.id())) {
          unsettled.add(t); // never reached the wire before the failure
        }
      }
    }
    complete(completions, claimedAt);
    inFlight = unsettled;
    if (lost) {
      throw new IOException(workerId + " lost its channel with " + unsettled.size() + " messages unconfirmed",
          failure);
    }
  }

  private void awaitConfirms(long deadlineNanos) throws InterruptedException {
    lock.lock();
    try {
      while (!pending.isEmpty() && !channelLost) {
        long left = deadlineNanos - System.nanoTime();
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

  /**
   * Writes the batch's outcomes in one store write, retried with backoff while the leases last: after
   * that the tasks are claimed again and published again, which the guarantee allows.
   */
  private void complete(List<Completion> completions, long claimedAt) throws InterruptedException {
    if (completions.isEmpty()) {
      return;
    }
    long giveUpAt = claimedAt + leaseFor.toNanos();
    long backoffMillis = 50;
    while (true) {
      try {
        store.completeMany(new CompleteRequest(completions));
        return;
      } catch (RuntimeException e) {
        if (stopping() || System.nanoTime() + backoffMillis * 1_000_000 > giveUpAt) {
          log.warn("{} could not complete {} published messages; they will be published again: {}",
              workerId, completions.size(), e.toString());
          return;
        }
        Thread.sleep(backoffMillis);
        backoffMillis = Math.min(backoffMillis * 2, MAX_COMPLETE_BACKOFF.toMillis());
      }
    }
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

  @Override
  protected void cleanUp() {
    if (!inFlight.isEmpty()) {
      List<Completion> release = new ArrayList<>(inFlight.size());
      for (Task t : inFlight) {
        release.add(completion(t, new Completion.Release(Duration.ZERO)));
      }
      try {
        store.completeMany(new CompleteRequest(release));
      } catch (RuntimeException e) {
        log.warn("{} could not release {} messages at stop; their leases will run out: {}",
            workerId, release.size(), e.toString());
      }
      inFlight = List.of();
    }
    closeConnection();
  }

  private void closeConnection() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      c.abort(1000);
    }
  }
}
