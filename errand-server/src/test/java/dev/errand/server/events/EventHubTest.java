package dev.errand.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.TaskState;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hub never blocks the threads that move tasks: a client that does not read is dropped. */
class EventHubTest {
  private static TaskEvent event(String queue, int n) {
    return new TaskEvent("enqueued", "t" + n, queue, "job", TaskState.READY, 0, Instant.EPOCH, null);
  }

  @Test
  void aSlowClientIsDroppedAndNeverBlocksPublishing() throws Exception {
    EventHub hub = new EventHub("test", Clock.systemUTC(), 4, false);
    Subscription slow = hub.subscribe(null);
    Subscription fast = hub.subscribe(null);
    long start = System.nanoTime();
    for (int i = 0; i < 10_000; i++) {
      hub.publish(event("q", i));
      if (!fast.ended()) {
        assertThat(fast.next(Duration.ZERO)).isNotNull();
      }
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(slow.dropped()).isTrue();
    assertThat(slow.ended()).isTrue();
    assertThat(fast.dropped()).isFalse();
    assertThat(hub.subscribers()).isEqualTo(1);
    assertThat(slow.next(Duration.ZERO)).isNull();
  }

  @Test
  void aQueueFilterPassesOnlyThatQueue() throws Exception {
    EventHub hub = new EventHub("test", Clock.systemUTC(), 16, false);
    try (Subscription a = hub.subscribe("a")) {
      hub.publish(event("b", 1));
      hub.publish(event("a", 2));
      String json = new String(a.next(Duration.ofSeconds(1)), StandardCharsets.UTF_8);
      assertThat(json).contains("\"id\":\"t2\"").contains("\"queue\":\"a\"");
      assertThat(a.next(Duration.ZERO)).isNull();
    }
    assertThat(hub.subscribers()).isZero();
  }

  @Test
  void closingTheHubEndsEverySubscription() {
    EventHub hub = new EventHub("test", Clock.systemUTC(), 16, false);
    Subscription s = hub.subscribe(null);
    hub.close();
    assertThat(s.ended()).isTrue();
    assertThat(hub.subscribe("a").ended()).isTrue();
  }

  @Test
  void historyKeepsTheLatestEventsNumberedWhetherAnyoneListensOrNot() {
    EventHub hub = new EventHub("test", Clock.systemUTC(), 16, false);
    int published = EventHub.HISTORY + 100;
    for (int i = 1; i <= published; i++) {
      hub.publish(event(i % 2 == 0 ? "even" : "odd", i));
    }
    assertThat(hub.lastSeq()).isEqualTo(published);
    List<EventHub.Recent> all = hub.recent(0, null, EventHub.HISTORY);
    assertThat(all).hasSize(EventHub.HISTORY);
    assertThat(all.getFirst().seq()).as("the oldest kept").isEqualTo(101);
    assertThat(all.getLast().seq()).isEqualTo(published);
    assertThat(all).extracting(EventHub.Recent::seq).isSorted();
    assertThat(new String(all.getLast().json(), StandardCharsets.UTF_8)).contains("\"id\":\"t" + published + "\"");

    assertThat(hub.recent(published - 3, null, EventHub.HISTORY)).extracting(EventHub.Recent::seq)
        .containsExactly((long) published - 2, (long) published - 1, (long) published);
    assertThat(hub.recent(0, "even", 3)).extracting(EventHub.Recent::seq)
        .containsExactly((long) published - 4, (long) published - 2, (long) published);
  }
}
