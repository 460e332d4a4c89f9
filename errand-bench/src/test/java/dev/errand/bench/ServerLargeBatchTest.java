package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches at the server's 16 MiB body limit against the real server process, started with the project's
 * JVM options file: the heap those options allow must hold one such batch while it is parsed and written,
 * and several at once, so that shrinking the server's memory never turns a valid batch into a 500.
 */
class ServerLargeBatchTest {
  static final long BODY_LIMIT = 16L * 1024 * 1024;
  static final int TASKS = 1000; // the largest batch the server takes
  static final int AT_ONCE = 4;
  /** Queues are named large-0 to large-4, so every task's envelope has this length. */
  static final int ENVELOPE = "{\"id\":\"large-0-0000\",\"type\":\"large\",\"queue\":\"large-0\",\"payload\":\"\"},".length();
  static final int PAYLOAD_CHARS = (int) ((BODY_LIMIT - 16 * 1024) / TASKS) - ENVELOPE;

  @TempDir
  Path dir;

  @BeforeEach
  void needsTheServerJar() {
    Assumptions.assumeTrue(Files.isRegularFile(ServerDrainTest.SERVER_JAR), "no server jar at " + ServerDrainTest.SERVER_JAR);
  }

  @Test
  void aBatchAtTheBodyLimitIsAcceptedAndSoAreSeveralAtOnce() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ServerProcess server = ServerProcess.start(ServerDrainTest.SERVER_JAR, ServerDrainTest.JVM_OPTIONS, "sqlite:" + dir)) {
      byte[] one = batchNearTheLimit("large-0");
      assertThat((long) one.length).isBetween(BODY_LIMIT - 64 * 1024, BODY_LIMIT);
      HttpResponse<String> alone = client.send(post(server, one), HttpResponse.BodyHandlers.ofString());
      assertThat(alone.statusCode()).as(alone.body().length() > 300 ? alone.body().substring(0, 300) : alone.body())
          .isEqualTo(201);
      assertCreatedWithTheirPayloads(client, server, alone.body());

      List<CompletableFuture<HttpResponse<String>>> concurrent = new ArrayList<>();
      for (int i = 1; i <= AT_ONCE; i++) {
        concurrent.add(client.sendAsync(post(server, batchNearTheLimit("large-" + i)), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : concurrent) {
        HttpResponse<String> r = f.join();
        assertThat(r.statusCode()).as(r.body().length() > 300 ? r.body().substring(0, 300) : r.body()).isEqualTo(201);
        assertCreatedWithTheirPayloads(client, server, r.body());
      }
      HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
    }
  }

  /** Every task of the answer was created, and the last one reads back with its whole payload. */
  private static void assertCreatedWithTheirPayloads(HttpClient client, ServerProcess server, String answer) throws Exception {
    JsonNode results = new ObjectMapper().readTree(answer).path("results");
    assertThat(results.size()).isEqualTo(TASKS);
    for (JsonNode r : results) {
      assertThat(r.path("status").asText()).isEqualTo("created");
    }
    String id = results.get(TASKS - 1).path("task").path("id").asText();
    HttpResponse<String> task = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/tasks/" + id)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(task.statusCode()).isEqualTo(200);
    assertThat(new ObjectMapper().readTree(task.body()).path("payload").asText())
        .isEqualTo(payload(id.hashCode()).substring(0, PAYLOAD_CHARS));
  }

  private static HttpRequest post(ServerProcess server, byte[] body) {
    return HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/tasks:batch"))
        .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  /** {@value #TASKS} tasks with payloads as large as fit in one body under the limit. */
  private static byte[] batchNearTheLimit(String queue) {
    StringBuilder b = new StringBuilder((int) BODY_LIMIT).append("{\"tasks\":[");
    for (int i = 0; i < TASKS; i++) {
      String id = String.format("%s-%04d", queue, i);
      b.append(i == 0 ? "" : ",").append("{\"id\":\"").append(id).append("\",\"type\":\"large\",\"queue\":\"").append(queue)
          .append("\",\"payload\":\"").append(payload(id.hashCode()), 0, PAYLOAD_CHARS).append("\"}");
    }
    return b.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** Letters that differ per task, so no two payloads are alike; longer than any payload sent. */
  private static String payload(int seed) {
    StringBuilder s = new StringBuilder(20_000);
    long x = seed;
    while (s.length() < 20_000) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      s.append((char) ('a' + (int) ((x >>> 33) % 26)));
    }
    return s.toString();
  }
}
