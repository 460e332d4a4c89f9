package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * How answers go out: a small one whole, with its exact Content-Length, whatever the client accepts; a
 * large one compressed when the client accepts gzip, as Javalin compresses it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponseWritingTest {
  private final TestServer s = TestServer.sqlite();
  private final Http http = s.http;

  @AfterAll
  void stop() {
    s.close();
  }

  @Test
  void aSmallAnswerGoesOutWholeWithItsLength() {
    Http.Resp r = http.send("POST", "/v1/tasks", "{\"type\":\"t\",\"payload\":{\"n\":1}}".getBytes(StandardCharsets.UTF_8),
        "Accept-Encoding", "gzip");
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("Content-Encoding")).isNull();
    assertThat(r.header("Content-Type")).startsWith("application/json");
    assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(r.bytes().length));
    assertThat(r.json().get("payload").get("n").asInt()).isEqualTo(1);
    Http.Resp got = http.get("/v1/tasks/" + r.json().get("id").asText());
    assertThat(got.body()).isEqualTo(r.body());
  }

  @Test
  void aLargeAnswerIsCompressedForAClientThatAcceptsGzip() throws IOException {
    String payload = "\"" + "x".repeat(4000) + "\"";
    Http.Resp r = http.send("POST", "/v1/tasks", ("{\"type\":\"t\",\"payload\":" + payload + "}")
        .getBytes(StandardCharsets.UTF_8), "Accept-Encoding", "gzip");
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
    String body = new String(new GZIPInputStream(new ByteArrayInputStream(r.bytes())).readAllBytes(), StandardCharsets.UTF_8);
    assertThat(body).contains("\"payload\":" + payload);
    Http.Resp plain = http.get("/v1/tasks/" + Http.MAPPER.readTree(body).get("id").asText());
    assertThat(plain.header("Content-Encoding")).isNull();
    assertThat(plain.body()).isEqualTo(body);
  }

  @Test
  void aBatchAnswerIsStreamedWholeAndCompressedWhenAccepted() throws IOException {
    StringBuilder body = new StringBuilder("{\"tasks\":[");
    for (int i = 0; i < 200; i++) {
      body.append(i == 0 ? "" : ",").append("{\"type\":\"t\",\"id\":\"stream-").append(i).append("\",\"payload\":").append(i)
          .append('}');
    }
    byte[] request = body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    Http.Resp gzip = http.send("POST", "/v1/tasks:batch", request, "Accept-Encoding", "gzip");
    assertThat(gzip.status()).isEqualTo(201);
    assertThat(gzip.header("Content-Encoding")).isEqualTo("gzip");
    var results = Http.MAPPER.readTree(new GZIPInputStream(new ByteArrayInputStream(gzip.bytes())).readAllBytes())
        .get("results");
    assertThat(results).hasSize(200);
    for (int i = 0; i < 200; i++) {
      assertThat(results.get(i).get("status").asText()).isEqualTo("created");
      assertThat(results.get(i).get("task").get("id").asText()).isEqualTo("stream-" + i);
      assertThat(results.get(i).get("task").get("payload").asInt()).isEqualTo(i);
    }
    Http.Resp again = http.send("POST", "/v1/tasks:batch", request);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.header("Content-Encoding")).isNull();
    assertThat(again.json().get("results")).hasSize(200)
        .allSatisfy(r -> assertThat(r.get("status").asText()).isEqualTo("existing"));
    assertThat(again.json().get("results").get(199).get("task").get("id").asText()).isEqualTo("stream-199");
  }
}
