package dev.errand.rabbitmq;

import java.time.Duration;

/**
 * What one outbox relay loop or one inbox has done since it started, as a dashboard shows it: whether it
 * holds an open channel now, and its counts (the same events as {@link RabbitMetrics}, counted whatever
 * recorder is configured). A relay loop's consumed and rejected are zero, an inbox's publish counts and
 * latencies are zero. Latencies are zero until the first confirm.
 *
 * @param name the loop's name ({@code <workerId>-relay-N}, or {@code inbox <queue>})
 * @param role {@code relay} or {@code inbox}
 * @param queue the Errand queue a relay reads, or the RabbitMQ queue an inbox reads
 * @param connected whether it has an open connection and channel to the broker now
 * @param confirmLatencyMean the mean time from a publish to its confirm since the start
 * @param confirmLatencyLast that time for the last message confirmed
 */
public record RabbitStatus(String name, String role, String queue, boolean connected, long published,
    long confirmed, long nacked, long returned, long republished, long consumed, long rejected,
    Duration confirmLatencyMean, Duration confirmLatencyLast) {
  public static final String RELAY = "relay";
  public static final String INBOX = "inbox";
}
