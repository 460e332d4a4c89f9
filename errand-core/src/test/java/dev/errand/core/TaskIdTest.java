package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class TaskIdTest {
  @Test
  void generatedIdsAreUuidV7InCreationOrder() {
    List<TaskId> ids = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      ids.add(TaskId.generate());
    }
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    java.util.UUID uuid = java.util.UUID.fromString(ids.get(0).value());
    assertThat(uuid.version()).isEqualTo(7);
    assertThat(uuid.variant()).isEqualTo(2);
    assertThat(uuid.getMostSignificantBits() >>> 16).isCloseTo(System.currentTimeMillis(),
        org.assertj.core.data.Offset.offset(60_000L));
  }

  @Test
  void generatedIdsAreUniqueAcrossThreads() throws Exception {
    Set<TaskId> ids = ConcurrentHashMap.newKeySet();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      for (int t = 0; t < 8; t++) {
        pool.submit(() -> {
          for (int i = 0; i < 20_000; i++) {
            ids.add(TaskId.generate());
          }
        });
      }
    }
    assertThat(ids).hasSize(160_000);
  }

  @Test
  void clientIdsMustUseTheIdAlphabet() {
    assertThat(TaskId.of("order-42:refund").value()).isEqualTo("order-42:refund");
    Set<String> bad = new HashSet<>(List.of("", "-leading", "has space", "x".repeat(65), "semi;colon"));
    for (String s : bad) {
      assertThatThrownBy(() -> TaskId.of(s)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
    }
  }
}
