package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The load generator's check of the server's answers: a task counts only when answered about itself. */
class EnqueueAnswersTest {
  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void enqueueAnswersCountOnlyResultsForTheTasksSentInOrder() throws Exception {
    String good = "{\"results\":[{\"status\":\"created\",\"task\":{\"id\":\"p-3\",\"payload\":{\"id\":\"x\"}}},"
        + "{\"status\":\"existing\",\"task\":{\"payload\":[1],\"id\":\"p-4\"}}]}";
    assertThat(EnqueueAnswers.batch(ascii(good), "p-", 3, 5)).isEqualTo(new EnqueueAnswers.Batch(1, 1, 0, null));
    String swapped = "{\"results\":[{\"status\":\"created\",\"task\":{\"id\":\"p-4\"}},"
        + "{\"status\":\"created\",\"task\":{\"id\":\"p-3\"}}]}";
    assertThat(EnqueueAnswers.batch(ascii(swapped), "p-", 3, 5).failed()).isEqualTo(2);
    String conflict = "{\"results\":[{\"status\":\"conflict\",\"task\":{\"id\":\"p-3\"}}]}";
    assertThat(EnqueueAnswers.batch(ascii(conflict), "p-", 3, 4).failed()).isEqualTo(1);
    String short_ = "{\"results\":[{\"status\":\"created\",\"task\":{\"id\":\"p-3\"}}]}";
    assertThat(EnqueueAnswers.batch(ascii(short_), "p-", 3, 5)).extracting(EnqueueAnswers.Batch::created,
        EnqueueAnswers.Batch::failed).containsExactly(0, 2);
    assertThat(EnqueueAnswers.taskId(ascii("{\"payload\":{\"id\":\"inner\"},\"id\":\"p-7\"}"))).isEqualTo("p-7");
  }
}
