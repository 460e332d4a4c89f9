package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A read waiting for its task (?wait=) is answered 503 with Retry-After when the server stops, not at its deadline. */
class WaitShutdownTest {
  @Test
  void waitingReadsAreAnsweredAtOnceWhenTheServerStops() throws Exception {
    TestServer s = TestServer.sqlite();
    String id;
    CompletableFuture<Http.Resp> waiting;
    try {
      Http.Resp r = s.http.post("/v1/tasks", "{\"type\":\"job\",\"queue\":\"stop\"}");
      id = r.json().get("id").asText();
      waiting = CompletableFuture.supplyAsync(() -> s.http.get("/v1/tasks/" + id + "?wait=60s"));
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
    } finally {
      s.close();
    }
    Http.Resp answer = waiting.get(20, TimeUnit.SECONDS); // far sooner than the 60 s wait
    assertThat(answer.status()).as(answer.toString()).isEqualTo(503);
    assertThat(answer.header("Retry-After")).isNotBlank();
  }
}
