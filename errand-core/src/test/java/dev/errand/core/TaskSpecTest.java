package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskSpecTest {
  @Test
  void ofEncodesThePayloadOnceWithDefaults() {
    TaskSpec spec = TaskSpec.of("send_email", Map.of("to", "a@example.com"));
    assertThat(spec.type()).isEqualTo("send_email");
    assertThat(spec.payload().asString()).isEqualTo("{\"to\":\"a@example.com\"}");
    assertThat(spec.queue()).isEqualTo("default");
    assertThat(spec.priority()).isZero();
    assertThat(spec.delay()).isNull();
    assertThat(spec.maxAttempts()).isNull();
  }

  @Test
  void derivationsReturnNewSpecsAndLeaveTheOriginal() {
    TaskSpec spec = TaskSpec.of("t", 1);
    TaskSpec delayed = spec.delay(Duration.ofMinutes(30)).priority(9).queue("mail");
    assertThat(spec.delay()).isNull();
    assertThat(spec.priority()).isZero();
    assertThat(delayed.delay()).isEqualTo(Duration.ofMinutes(30));
    assertThat(delayed.priority()).isEqualTo(9);
    assertThat(delayed.queue()).isEqualTo("mail");
    assertThat(delayed.runAt(Instant.EPOCH).delay()).as("runAt replaces delay").isNull();
  }

  @Test
  void badValuesAreRefusedAtOnceNamingTheField() {
    assertThatThrownBy(() -> TaskSpec.builder("Bad Type")).hasMessageContaining("type");
    assertThatThrownBy(() -> TaskSpec.builder("t").queue("UPPER")).hasMessageContaining("queue");
    assertThatThrownBy(() -> TaskSpec.builder("t").priority(10)).hasMessageContaining("priority");
    assertThatThrownBy(() -> TaskSpec.builder("t").priority(-1)).hasMessageContaining("priority");
    assertThatThrownBy(() -> TaskSpec.builder("t").delay(Duration.ofSeconds(-1))).hasMessageContaining("delay");
    assertThatThrownBy(() -> TaskSpec.builder("t").timeout(Duration.ZERO)).hasMessageContaining("timeout");
    assertThatThrownBy(() -> TaskSpec.builder("t").maxAttempts(0)).hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> TaskSpec.builder("t").idempotencyKey("")).hasMessageContaining("idempotencyKey");
    assertThatThrownBy(() -> TaskSpec.builder("t").backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("backoff cap");
  }

  @Test
  void buildChecksRulesBetweenFields() {
    assertThatThrownBy(() -> TaskSpec.builder("t").delay(Duration.ofSeconds(1)).runAt(Instant.now()).build())
        .hasMessageContaining("delay or runAt");
  }

  @Test
  void namesFollowTheQueueAlphabet() {
    assertThat(Names.isValid("a")).isTrue();
    assertThat(Names.isValid("orders.v2_high-prio")).isTrue();
    assertThat(Names.isValid("x".repeat(64))).isTrue();
    assertThat(Names.isValid("x".repeat(65))).isFalse();
    assertThat(Names.isValid("_lead")).isFalse();
    assertThat(Names.isValid(null)).isFalse();
  }

  @Test
  void aRepeatNamesTheSameTypeKindQueuePayloadAndPriorityAndNoOtherId() {
    TaskSpec first = TaskSpec.builder("mail").queue("q").payload(Json.parse("{\"to\":1}")).priority(2)
        .idempotencyKey("k").build();
    TaskSpec.Builder again = first.newBuilder();

    assertThat(again.delay(Duration.ofMinutes(5)).maxAttempts(2).timeout(Duration.ofSeconds(3)).build()
        .isRepeatOf(first)).as("timing and retries are not compared").isTrue();
    assertThat(first.newBuilder().payload(Json.parse("{\"to\":2}")).build().isRepeatOf(first)).isFalse();
    assertThat(first.newBuilder().priority(3).build().isRepeatOf(first)).isFalse();
    assertThat(first.newBuilder().queue("other").build().isRepeatOf(first)).isFalse();
    assertThat(first.newBuilder().kind("http").build().isRepeatOf(first))
        .as("the same type run another way is another task").isFalse();
    assertThat(first.newBuilder().id(TaskId.of("named")).build().isRepeatOf(first))
        .as("first gets a new id, so an id named later is another task").isFalse();
    TaskSpec named = first.newBuilder().id(TaskId.of("named")).build();
    assertThat(first.isRepeatOf(named)).as("a repeat that names no id takes the first's").isTrue();
  }
}
