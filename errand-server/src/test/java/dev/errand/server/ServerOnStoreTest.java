package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;

/**
 * A server per test on a fresh store, closed after it, for suites that run once per store: the subclass
 * for a store says how to start the server and what to clean up once it is closed.
 */
abstract class ServerOnStoreTest {
  protected final TestServer s = newServer();
  protected final Http http = s.http;

  /** A started server on a fresh store (see {@link TestServer#sqliteStarted}). */
  abstract TestServer newServer();

  /** Runs after the server and its store are closed. */
  void afterClose() {}

  @AfterEach
  void stop() {
    try {
      s.close();
    } finally {
      afterClose();
    }
  }

  /** Enqueues a task of type {@code job} on {@code queue}, with {@code extra} JSON fields; its id. */
  protected String enqueue(String queue, String extra) {
    Http.Resp r = http.post("/v1/tasks", "{\"type\":\"job\",\"queue\":\"" + queue + "\"" + extra + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("id").asText();
  }
}
