package dev.errand.httptarget;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** A real HTTP endpoint on 127.0.0.1 for tests: answers each request with {@link Reply}, and records them. */
public final class LocalEndpoint implements AutoCloseable {
  /** One request as received: method, path, lower-case headers (first value), body. */
  public record Received(String method, String path, Map<String, String> headers, byte[] body) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Answers one request. */
  @FunctionalInterface
  public interface Reply {
    void answer(HttpExchange exchange, int requestNumber) throws Exception;
  }

  private final HttpServer server;
  public final List<Received> received = new CopyOnWriteArrayList<>();

  public LocalEndpoint(Reply reply) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", exchange -> {
      try (exchange) {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Map<String, String> headers = new java.util.TreeMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body));
        reply.answer(exchange, received.size());
      } catch (Exception e) {
        // the client sees the connection close; the test asserts on what it recorded
      }
    });
    server.start();
  }

  /** Answers {@code status} with {@code body}, and {@code headers}. */
  public static void send(HttpExchange exchange, int status, String body, String... headers) throws IOException {
    for (int i = 0; i < headers.length; i += 2) {
      exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
