package dev.errand.store.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandType;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The hand-off between a completion waiting for a claim and the claim that carries it. */
class CompletionCarrierTest {
  private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private static AsyncCommand<String, byte[], List<Object>> command() {
    return new AsyncCommand<>(new Command<>(CommandType.EVALSHA, new NestedMultiOutput<>(CODEC)));
  }

  @Test
  void aCompletionIsSentAloneWhenNoClaimIsExpected() {
    CompletionCarrier carrier = new CompletionCarrier();
    long start = System.nanoTime();
    AsyncCommand<String, byte[], List<Object>> sent = carrier.hold(new Args().add("x"));
    long took = System.nanoTime() - start;
    assertThat(sent).isNull();
    assertThat(took).isLessThan(CompletionCarrier.HOLD_NANOS);
  }

  @Test
  void theNextClaimAfterAFullOneCarriesTheHeldCompletion() throws Exception {
    CompletionCarrier carrier = new CompletionCarrier();
    carrier.claimStarting(); // in flight while the completion comes: it waits for the next claim
    Args args = new Args().add("x");
    CompletableFuture<AsyncCommand<String, byte[], List<Object>>> holder =
        CompletableFuture.supplyAsync(() -> carrier.hold(args));
    CompletionCarrier.Held held = takeHeld(carrier);
    assertThat(held.args()).isSameAs(args);
    AsyncCommand<String, byte[], List<Object>> sent = command();
    carrier.carried(held, sent, null);
    carrier.claimed(true);
    assertThat(holder.get(5, TimeUnit.SECONDS)).isSameAs(sent);
  }

  @Test
  void aClaimThatCouldNotSendHandsItsFailureToTheCompletion() throws Exception {
    CompletionCarrier carrier = new CompletionCarrier();
    carrier.claimStarting();
    CompletableFuture<AsyncCommand<String, byte[], List<Object>>> holder =
        CompletableFuture.supplyAsync(() -> carrier.hold(new Args().add("x")));
    CompletionCarrier.Held held = takeHeld(carrier);
    carrier.carried(held, null, new IllegalStateException("down"));
    carrier.claimed(false);
    assertThatThrownBy(() -> holder.get(5, TimeUnit.SECONDS)).hasRootCauseMessage("down");
  }

  @Test
  void aClaimThatComesBackShortReleasesTheWaitingCompletionAtOnce() throws Exception {
    CompletionCarrier carrier = new CompletionCarrier();
    carrier.claimStarting(); // in flight: a completion now waits for the next claim
    CompletableFuture<AsyncCommand<String, byte[], List<Object>>> holder =
        CompletableFuture.supplyAsync(() -> carrier.hold(new Args().add("x")));
    Thread.sleep(20);
    assertThat(holder).isNotDone();
    carrier.claimed(false);
    assertThat(holder.get(CompletionCarrier.EXPECT_NANOS, TimeUnit.NANOSECONDS)).isNull();
  }

  @Test
  void aHeldCompletionIsSentAloneAfterTheLongestHold() throws Exception {
    CompletionCarrier carrier = new CompletionCarrier();
    carrier.claimStarting(); // a claim that never comes back
    long start = System.nanoTime();
    assertThat(carrier.hold(new Args().add("x"))).isNull();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(CompletionCarrier.HOLD_NANOS);
    assertThat(carrier.claimStarting()).as("nothing left held").isNull();
  }

  /**
   * Starts claims until one takes the held completion, each that took nothing ended at once (full, so
   * the completion still waits). Tried every millisecond: a completion waits at most
   * {@link CompletionCarrier#HOLD_NANOS}.
   */
  private static CompletionCarrier.Held takeHeld(CompletionCarrier carrier) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      CompletionCarrier.Held held = carrier.claimStarting();
      if (held != null) {
        return held;
      }
      carrier.claimed(true);
      Thread.sleep(1);
    }
    throw new AssertionError("no completion was held within 5 s");
  }
}
