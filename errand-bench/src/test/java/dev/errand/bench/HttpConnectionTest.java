package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The load generator's plain-socket client against a real listening socket that answers with canned
 * responses: each framing HTTP/1.1 allows is read whole, a connection is reused while the server keeps
 * it open and reopened after it closes, and a truncated answer is an error, never a short body.
 */
class HttpConnectionTest {
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private ServerSocket server;
  private Thread acceptor;

  /** Answers the i-th request on any connection with {@code answers[i]}. */
  private String serve(String... answers) throws IOException {
    server = new ServerSocket(0);
    AtomicInteger next = new AtomicInteger();
    acceptor = Thread.ofPlatform().start(() -> {
      try {
        while (true) {
          Socket s = server.accept();
          connections.incrementAndGet();
          Thread.ofPlatform().start(() -> answer(s, answers, next));
        }
      } catch (IOException closed) {
        // the test is over
      }
    });
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  private void answer(Socket s, String[] answers, AtomicInteger next) {
    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        int length = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
        requests.add(head + new String(in.readNBytes(length), StandardCharsets.US_ASCII));
        String answer = answers[next.getAndIncrement()];
        out.write(answer.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (answer.contains("Connection: close")) {
          return;
        }
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        return head.toString(StandardCharsets.US_ASCII);
      }
    }
    return null;
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
      acceptor.join();
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void readsContentLengthAndChunkedBodiesOverOneKeptConnection() throws Exception {
    String base = serve(
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"id\":\"a\"}\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4;x=y\r\n{\"id\r\n6\r\n\":\"b\"}\r\n0\r\nTrailer: t\r\n\r\n",
        "HTTP/1.1 422 Unprocessable Entity\r\nContent-Length: 2\r\n\r\n{}");
    try (HttpConnection c = new HttpConnection(base, "/v1/tasks", Duration.ofSeconds(10))) {
      byte[] body = ascii("{\"type\":\"t\"}ignored");
      HttpConnection.Response first = c.post(body, 12);
      assertThat(first.status()).isEqualTo(201);
      assertThat(first.bodyText()).isEqualTo("{\"id\":\"a\"}\n");
      HttpConnection.Response second = c.post(body, 12);
      assertThat(second.status()).isEqualTo(200);
      assertThat(second.bodyText()).isEqualTo("{\"id\":\"b\"}");
      assertThat(c.post(body, 12).status()).isEqualTo(422);
    }
    assertThat(connections.get()).isEqualTo(1);
    assertThat(requests).hasSize(3).allSatisfy(r -> assertThat(r)
        .startsWith("POST /v1/tasks HTTP/1.1\r\n")
        .contains("Content-Length: 12\r\n")
        .endsWith("\r\n\r\n{\"type\":\"t\"}"));
  }

  @Test
  void aBodyLargerThanAnyBeforeGoesOutWhole() throws Exception {
    String base = serve("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
        "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}");
    String large = "[" + "1,".repeat(3000) + "1]";
    try (HttpConnection c = new HttpConnection(base, "/v1/tasks:batch", Duration.ofSeconds(10))) {
      c.post(ascii("{}"), 2);
      assertThat(c.post(ascii(large), large.length()).status()).isEqualTo(201);
    }
    assertThat(requests.get(1)).startsWith("POST /v1/tasks:batch HTTP/1.1\r\n").endsWith("\r\n\r\n" + large);
  }

  @Test
  void reopensTheConnectionAfterTheServerClosesIt() throws Exception {
    String base = serve(
        "HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
        "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n[]");
    try (HttpConnection c = new HttpConnection(base, "/v1/tasks", Duration.ofSeconds(10))) {
      assertThat(c.post(ascii("{}"), 2).bodyText()).isEqualTo("{}");
      assertThat(c.post(ascii("{}"), 2).bodyText()).isEqualTo("[]");
    }
    assertThat(connections.get()).isEqualTo(2);
  }

  @Test
  void aBodyCutShortIsAnErrorNotAShortBody() throws Exception {
    String base = serve("HTTP/1.1 201 Created\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{\"id\"");
    try (HttpConnection c = new HttpConnection(base, "/v1/tasks", Duration.ofSeconds(10))) {
      assertThatThrownBy(() -> c.post(ascii("{}"), 2)).isInstanceOf(IOException.class);
    }
  }
}
