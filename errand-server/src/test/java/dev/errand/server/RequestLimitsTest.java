package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.server.internal.ApiRoute;
import dev.errand.server.internal.BodylessRoutes;
import dev.errand.server.internal.Resources;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a request may cost the server: no body on routes that take none (refused before acting), a
 * deadline on headers, and a bound on connections. Raw sockets, so nothing is smoothed over by a client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestLimitsTest {
  private static final Duration HEADER_TIMEOUT = Duration.ofMillis(500);

  private final TestServer s = TestServer.inMemory(c -> c.withHeaderTimeout(HEADER_TIMEOUT).withMaxConnections(4));

  @AfterAll
  void stop() {
    s.close();
  }

  /** Sends the head of a request that declares {@code declared} body bytes, and only {@code sent} of them. */
  private String partialRequest(String method, String path, long declared, int sent) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write((method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + declared + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[sent]);
      out.flush();
      return statusLine(socket.getInputStream());
    }
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != -1 && b != '\r'; b = in.read()) {
      line.append((char) b);
    }
    return line.toString();
  }

  @Test
  void actionWithAnUnreadBodyIsRefusedBeforeItActs() throws IOException {
    String id = s.errand.enqueue(TaskSpec.of("t", "{}").queue("limits-a")).id().value();
    long twentyMiB = 20L << 20;
    assertThat(partialRequest("POST", "/v1/queues/limits-a/pause", twentyMiB, 1024)).isEqualTo("HTTP/1.1 413 Payload Too Large");
    assertThat(partialRequest("POST", "/v1/tasks/" + id + "/cancel", twentyMiB, 1024)).startsWith("HTTP/1.1 413");
    assertThat(s.errand.queues()).noneMatch(q -> q.queue().equals("limits-a") && q.paused());
    assertThat(s.errand.get(dev.errand.core.TaskId.of(id)).state()).isEqualTo(TaskState.READY);
  }

  @Test
  void everyRouteWithoutARequestBodyRefusesOneAndSaysSo() {
    BodylessRoutes contract = BodylessRoutes.of(Resources.bytes("/dev/errand/server/openapi.json"));
    int refused = 0;
    for (ApiRoute r : s.server.routes()) {
      if (r.method() == HandlerType.GET || contract.takesBody(r.method().name(), r.path())) {
        continue;
      }
      String path = r.path().replace("{id}", "some-id").replace("{queue}", "some-queue").replace("{name}", "some-name");
      Http.Resp resp = s.http.send(r.method().name(), path, "{}".getBytes(StandardCharsets.UTF_8));
      assertThat(resp.status()).as(r.method() + " " + path).isEqualTo(413);
      assertThat(resp.header("Content-Type")).startsWith("application/problem+json");
      assertThat(resp.json().get("detail").asText()).contains("takes no request body");
      refused++;
    }
    assertThat(refused).as("body-less action routes").isGreaterThanOrEqualTo(6);
    assertThat(s.http.post("/v1/queues/limits-b/pause", null).status()).as("no body is fine").isEqualTo(200);
    assertThat(s.http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"limits-b\"}").status()).isEqualTo(201);
  }

  @Test
  void clientSendingHeadersSlowlyIsCutOffWithinTheHeaderTimeout() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
      socket.setSoTimeout(10_000);
      long start = System.nanoTime();
      Thread dribbler = Thread.ofVirtual().start(() -> {
        byte[] head = "GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
        try {
          for (byte b : head) {
            socket.getOutputStream().write(b);
            socket.getOutputStream().flush();
            Thread.sleep(50); // the attack itself: one byte at a time, each in time for an idle timeout
          }
        } catch (IOException | InterruptedException e) {
          // closed by the server, as it should be
        }
      });
      int read = socket.getInputStream().read();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      dribbler.interrupt();
      assertThat(read).as("closed without an answer").isEqualTo(-1);
      assertThat(took).isBetween(HEADER_TIMEOUT.minusMillis(50), HEADER_TIMEOUT.plusSeconds(2));
    }
  }

  @Test
  void requestsSentPromptlyOnAKeptAliveConnectionAreServed() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
      socket.setSoTimeout(10_000);
      for (int i = 0; i < 3; i++) {
        socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        assertThat(statusLine(in)).isEqualTo("HTTP/1.1 200 OK");
        // skip the rest of the response: headers, then the 15-byte body
        String rest = readUntil(in, "\r\n\r\n");
        assertThat(rest).contains("Content-Length: 15");
        assertThat(in.readNBytes(15)).hasSize(15);
      }
    }
  }

  private static String readUntil(InputStream in, String end) throws IOException {
    StringBuilder text = new StringBuilder();
    while (!text.toString().endsWith(end)) {
      int b = in.read();
      if (b == -1) {
        break;
      }
      text.append((char) b);
    }
    return text.toString();
  }

  @Test
  void connectionsBeyondTheLimitWaitUntilOneCloses() throws IOException {
    Socket[] held = new Socket[4];
    try (Socket extra = new Socket()) {
      for (int i = 0; i < held.length; i++) {
        held[i] = new Socket("127.0.0.1", s.server.port());
      }
      extra.connect(new java.net.InetSocketAddress("127.0.0.1", s.server.port())); // the backlog takes it
      extra.setSoTimeout(300);
      extra.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThatThrownBy(() -> extra.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
      held[0].close();
      extra.setSoTimeout(10_000);
      assertThat(statusLine(extra.getInputStream())).isEqualTo("HTTP/1.1 200 OK");
    } finally {
      for (Socket h : held) {
        if (h != null) {
          h.close();
        }
      }
    }
  }
}
