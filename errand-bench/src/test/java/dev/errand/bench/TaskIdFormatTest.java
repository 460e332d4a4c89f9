package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.bench.jmh.TaskIdFormat;
import dev.errand.core.TaskId;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written id check that TaskIdBenchmark compares with TaskId's regular expression accepts
 * exactly what the expression accepts; otherwise the comparison would measure two different rules.
 */
class TaskIdFormatTest {
  private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
  private static final String ALPHABET = "aZ09_.:-/ é\u0000";

  @Test
  void agreesWithTheRegularExpressionOnEdgeCases() {
    String[] cases = {"", "a", "-a", "_a", ".a", "a-", "a_.:-b", "A".repeat(64), "A".repeat(65), "a b", "a/b",
        "é", "a\u0000", TaskId.generate().value(), "schedule:nightly:2026-01-01T00:00:00Z"};
    for (String c : cases) {
      assertThat(TaskIdFormat.isValid(c)).as(c).isEqualTo(FORMAT.matcher(c).matches());
    }
  }

  @Test
  void agreesWithTheRegularExpressionOnRandomStrings() {
    long seed = System.nanoTime();
    System.out.println("TaskIdFormatTest seed " + seed);
    Random random = new Random(seed);
    int valid = 0;
    for (int i = 0; i < 200_000; i++) {
      StringBuilder s = new StringBuilder();
      int length = random.nextInt(68);
      for (int j = 0; j < length; j++) {
        // Mostly legal characters, so that long valid ids are common too.
        s.append(random.nextInt(8) == 0 ? ALPHABET.charAt(random.nextInt(ALPHABET.length()))
            : ALPHABET.charAt(random.nextInt(8)));
      }
      String id = s.toString();
      boolean expected = FORMAT.matcher(id).matches();
      assertThat(TaskIdFormat.isValid(id)).as("seed %d: %s", seed, id).isEqualTo(expected);
      valid += expected ? 1 : 0;
    }
    assertThat(valid).as("both outcomes were exercised").isBetween(1_000, 199_000);
  }
}
