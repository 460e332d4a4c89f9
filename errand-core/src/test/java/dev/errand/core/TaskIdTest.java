package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TaskIdTest {
  @Test
  void idsAreEqualExactlyWhenTheirValuesAre() {
    TaskId a = TaskId.of("job-1");
    TaskId same = TaskId.of(new String("job-1"));
    assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(a.hashCode()).isEqualTo("job-1".hashCode());
    assertThat(a).isNotEqualTo(TaskId.of("job-2")).isNotEqualTo(TaskId.of("Job-1")).isNotEqualTo("job-1");
    assertThat(a.equals(null)).isFalse();
    assertThat(Set.of(a, TaskId.of("job-2"))).contains(same);
  }

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

  @Test
  void theHandWrittenCheckAcceptsExactlyWhatTheDocumentedPatternMatches() {
    Pattern documented = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
    String alphabet = "aZ09_.:-; /é\u0000~";
    Random random = new Random(20261122L);
    int accepted = 0;
    for (int i = 0; i < 200_000; i++) {
      int length = random.nextInt(4) == 0 ? 60 + random.nextInt(8) : random.nextInt(6);
      StringBuilder sb = new StringBuilder(length);
      for (int j = 0; j < length; j++) {
        // Mostly valid characters, so that long valid ids are drawn too.
        sb.append(random.nextInt(10) == 0 ? alphabet.charAt(random.nextInt(alphabet.length()))
            : alphabet.charAt(random.nextInt(8)));
      }
      String s = sb.toString();
      boolean valid = documented.matcher(s).matches();
      boolean acceptedHere;
      try {
        TaskId.of(s);
        acceptedHere = true;
      } catch (IllegalArgumentException e) {
        acceptedHere = false;
      }
      assertThat(acceptedHere).as("id %s", s).isEqualTo(valid);
      accepted += valid ? 1 : 0;
    }
    assertThat(accepted).as("the draw holds valid ids too").isGreaterThan(10_000);
  }
}
