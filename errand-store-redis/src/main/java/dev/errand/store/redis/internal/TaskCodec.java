package dev.errand.store.redis.internal;

import dev.errand.core.AttemptError;
import dev.errand.core.Heartbeats;
import dev.errand.core.Json;
import dev.errand.core.Lease;
import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskHeaders;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.NewTask;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Tasks to and from the scripts: a new task as the 15 arguments {@code insert_at} in common.lua takes,
 * and a task as the scripts' {@code pack} returns it (its fields in the order of common.lua's
 * {@code F}). Not public API.
 */
public final class TaskCodec {
  private TaskCodec() {}

  /** Appends {@code t}'s 15 insert arguments. */
  public static void addInsert(Args args, NewTask t) {
    args.add(t.id().value()).add(t.queue()).add(t.type()).add(t.payload().toByteArray()).add(t.priority())
        .add(t.retry().maxAttempts()).add(t.retry().base().toNanos()).add(t.retry().cap().toNanos())
        .add(t.timeout().toNanos())
        .add(t.idempotencyKey() == null ? "" : "=" + t.idempotencyKey())
        .add(t.runAt() == null ? "" : Long.toString(Micros.of(t.runAt())))
        .add(Micros.of(t.delay())).add(t.joinCount()).add(t.kind()).addOrEmpty(TaskHeaders.toJson(t.headers()));
  }

  /** The fields of common.lua's {@code F}, in its order. */
  private static final String[] FIELDS = {"id", "q", "type", "pay", "pri", "st", "att", "max", "rb", "rc", "tmo", "ik",
      "run", "cr", "sa", "fa", "tok", "lu", "wk", "res", "err", "kind", "hdr", "prog", "hbn", "hbf", "hbl"};
  private static final List<String> F = List.of(FIELDS);
  private static final int ID = F.indexOf("id"), QUEUE = F.indexOf("q"), STATE = F.indexOf("st"),
      ATTEMPT = F.indexOf("att"), MAX_ATTEMPTS = F.indexOf("max"), STARTED = F.indexOf("sa"),
      TOKEN = F.indexOf("tok"), LEASE_UNTIL = F.indexOf("lu"), WORKER = F.indexOf("wk"), KIND = F.indexOf("kind");
  private static final byte[] RUNNING = "RUNNING".getBytes(StandardCharsets.US_ASCII);
  /** What a hash without a kind holds (common.lua's DEFAULT_KIND). */
  private static final byte[] DEFAULT_KIND = "handler".getBytes(StandardCharsets.US_ASCII);
  /**
   * The fields claim.lua reads and returns, in its order; {@code rp} is the retry policy, 'max base cap',
   * which goes to max, rb and rc.
   */
  private static final List<String> CLAIMED = List.of("type", "pay", "pri", "att", "tmo", "run", "cr", "rp", "kind",
      "hdr", "ik", "err", "prog");
  private static final int CLAIMED_RETRY_POLICY = CLAIMED.indexOf("rp");
  /** Where each of CLAIMED goes in F (-1 for rp). */
  private static final int[] CLAIMED_PLACES = CLAIMED.stream().mapToInt(F::indexOf).toArray();

  /**
   * A task that claim.lua leased: its fields as read before the claim, with the lease the script wrote,
   * which it does not send back (RUNNING, the next attempt, {@code startedAt}, the token, its expiry, the
   * worker).
   */
  public static Task claimed(String queue, Object id, Object read, Object startedAt, Object leaseUntil, String token,
      String worker) {
    List<?> values = (List<?>) read;
    Object[] fields = new Object[FIELDS.length];
    for (int i = 0; i < CLAIMED_PLACES.length; i++) {
      if (CLAIMED_PLACES[i] >= 0) {
        fields[CLAIMED_PLACES[i]] = values.get(i);
      }
    }
    String[] policy = text(values.get(CLAIMED_RETRY_POLICY)).split(" ", 3);
    for (int k = 0; k < 3; k++) {
      fields[MAX_ATTEMPTS + k] = Long.parseLong(policy[k]); // max, rb, rc follow each other in F
    }
    fields[ID] = id;
    fields[QUEUE] = queue.getBytes(StandardCharsets.UTF_8);
    if (fields[KIND] == null) {
      fields[KIND] = DEFAULT_KIND;
    }
    fields[STATE] = RUNNING;
    fields[ATTEMPT] = number(fields[ATTEMPT]) + 1;
    fields[STARTED] = startedAt;
    fields[TOKEN] = token.getBytes(StandardCharsets.UTF_8);
    fields[LEASE_UNTIL] = leaseUntil;
    fields[WORKER] = worker.getBytes(StandardCharsets.UTF_8);
    return task(java.util.Arrays.asList(fields));
  }

  /** A task as {@code pack} returned it. */
  public static Task task(Object packed) {
    List<?> f = (List<?>) packed;
    TaskState state = TaskState.valueOf(text(f.get(5)));
    String token = text(f.get(16));
    // A success leaves the lease's fields in the hash (common.lua): they hold only while RUNNING.
    Lease lease = token == null || state != TaskState.RUNNING ? null
        : new Lease(token, instant(f.get(17)), text(f.get(18)));
    byte[] result = (byte[]) f.get(19);
    byte[] progress = f.size() > 23 ? (byte[]) f.get(23) : null;
    Heartbeats heartbeats = null;
    // Of this attempt only while the first is not before its start (extend.lua).
    if (f.size() > 26 && f.get(25) != null && f.get(14) != null && number(f.get(25)) >= number(f.get(14))) {
      heartbeats = new Heartbeats((int) number(f.get(24)), instant(f.get(25)), instant(f.get(26)));
    }
    return new Task(TaskId.of(text(f.get(0))), text(f.get(1)), text(f.get(2)), Json.ofTrusted((byte[]) f.get(3)),
        (int) number(f.get(4)), state, (int) number(f.get(6)),
        new RetryPolicy((int) number(f.get(7)), Duration.ofNanos(number(f.get(8))), Duration.ofNanos(number(f.get(9)))),
        Duration.ofNanos(number(f.get(10))), text(f.get(11)), instant(f.get(12)), instant(f.get(13)),
        instant(f.get(14)), instant(f.get(15)), lease, result == null ? null : Json.ofTrusted(result), text(f.get(20)),
        text(f.get(21)), TaskHeaders.fromJson(text(f.get(22))), progress == null ? null : Json.ofTrusted(progress),
        heartbeats);
  }

  /**
   * One entry of a task's error history: attempt, time, worker and error, one per line, the error last.
   * The attempt may carry its claim time and heartbeats: {@code attempt;claimed[;count;first;last]}
   * (common.lua).
   */
  public static AttemptError error(byte[] entry) {
    String[] parts = new String(entry, StandardCharsets.UTF_8).split("\n", 4);
    String[] attempt = parts[0].split(";", 5);
    Instant claimed = attempt.length < 2 || attempt[1].isEmpty() ? null : Micros.toInstant(Long.parseLong(attempt[1]));
    Heartbeats heartbeats = attempt.length < 5 ? null : new Heartbeats(Integer.parseInt(attempt[2]),
        Micros.toInstant(Long.parseLong(attempt[3])), Micros.toInstant(Long.parseLong(attempt[4])));
    return new AttemptError(Integer.parseInt(attempt[0]), Micros.toInstant(Long.parseLong(parts[1])),
        parts[2].isEmpty() ? null : parts[2], parts[3], heartbeats, claimed);
  }

  public static String text(Object value) {
    return value == null ? null : new String((byte[]) value, StandardCharsets.UTF_8);
  }

  public static long number(Object value) {
    return value instanceof Long n ? n : Long.parseLong(text(value));
  }

  static java.time.Instant instant(Object value) {
    return value == null ? null : Micros.toInstant(number(value));
  }
}
