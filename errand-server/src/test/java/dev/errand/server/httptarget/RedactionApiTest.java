package dev.errand.server.httptarget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.server.ErrandServer;
import dev.errand.server.Observability;
import dev.errand.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server-wide list of redacted target headers ({@code --redact-headers}): no read the API answers,
 * and so nothing the dashboard shows (its pages read these same routes; the event stream holds no
 * payload), carries the value of a listed header, whether or not the task named it secret itself: a
 * task's create and read, the task list, the due list, a batch's answer, a schedule's definition and
 * its run-now answer. The list applies at read time: a second server on the same store with the default
 * list shows what the first hides, but for {@code authorization}. The tasks stay unrun (no target queue
 * is served): what is checked is what reads show, not what is sent.
 */
class RedactionApiTest {
  private static final String SECRET = "s3cret-bearer";
  private static final String KEY = "k3y-value";
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  /** A server on the shared store that redacts {@code headers}; its port. */
  private int server(Set<String> headers) {
    Observability observability = Observability.create(false);
    Errand errand = Errand.builder().store(store).runWorkers(false).build().start();
    open.add(errand);
    ErrandServer server = ErrandServer.start(ServerConfig.loopback(0, "memory").withRedactHeaders(headers), errand,
        observability);
    open.add(server);
    return server.port();
  }

  private HttpResponse<String> send(int port, String method, String path, String json) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("content-type", "application/json");
    r.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    HttpResponse<String> response = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
    return response;
  }

  private static String target(String path) {
    return "{\"url\": \"https://api.example/" + path + "\", \"headers\": {\"Authorization\": \"Bearer " + SECRET
        + "\", \"X-Api-Key\": \"" + KEY + "\", \"X-Trace\": \"visible-trace\"}}";
  }

  @Test
  void noReadShowsAListedHeadersValue() throws Exception {
    int port = server(Set.of("Authorization", "X-API-KEY"));
    List<String> bodies = new ArrayList<>();
    HttpResponse<String> created = send(port, "POST", "/v1/tasks", "{\"queue\": \"calls\", \"target\": " + target("a") + "}");
    bodies.add(created.body());
    String id = Json.DEFAULT_MAPPER.readTree(created.body()).get("id").asText();
    bodies.add(send(port, "POST", "/v1/tasks", "{\"queue\": \"calls\", \"delay\": \"1h\", \"target\": " + target("b") + "}").body());
    bodies.add(send(port, "POST", "/v1/tasks:batch", "{\"tasks\": [{\"queue\": \"calls\", \"target\": " + target("c") + "}]}").body());
    bodies.add(send(port, "GET", "/v1/tasks/" + id, null).body());
    bodies.add(send(port, "GET", "/v1/tasks?queue=calls", null).body());
    bodies.add(send(port, "GET", "/v1/tasks:due?queue=calls", null).body());
    bodies.add(send(port, "PUT", "/v1/schedules/ping", "{\"interval\": \"1h\", \"enabled\": false, \"task\": {\"queue\": \"calls\", "
        + "\"target\": " + target("tick") + "}}").body());
    bodies.add(send(port, "GET", "/v1/schedules/ping", null).body());
    bodies.add(send(port, "GET", "/v1/schedules", null).body());
    bodies.add(send(port, "POST", "/v1/schedules/ping/run", null).body());

    assertThat(bodies).hasSize(10).allSatisfy(body -> assertThat(body).doesNotContain(SECRET).doesNotContain(KEY)
        .contains("visible-trace"));
    JsonNode headers = Json.DEFAULT_MAPPER.readTree(bodies.get(3)).get("target").get("headers");
    assertThat(headers.get("authorization").asText()).isEqualTo("[redacted]");
    assertThat(headers.get("x-api-key").asText()).isEqualTo("[redacted]");
    assertThat(headers.get("x-trace").asText()).isEqualTo("visible-trace");
    assertThat(bodies.get(5)).contains("api.example/b"); // the due list did list the delayed task

    // The list is the server's, applied when a task is read: with the default list the same task shows
    // the key (which the task did not name secret), and still hides the authorization.
    int plain = server(Set.of("authorization"));
    String read = send(plain, "GET", "/v1/tasks/" + id, null).body();
    assertThat(read).doesNotContain(SECRET).contains(KEY);
  }
}
