package dev.errand.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.spi.NewTask;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rediss://} against a redis-server of the test's own that speaks TLS with a certificate signed by
 * a throwaway CA (made here with openssl): the contract runs over TLS when verification is off, the
 * default (verification on, the JVM's trust store) refuses the unknown CA at once and says why, and the
 * URL's {@code cacert} option makes the CA trusted, host name included.
 */
class RedisTlsTest {
  @TempDir
  static Path certs;
  private static RedisServer server;
  private static int tlsPort;

  @BeforeAll
  static void start() throws Exception {
    String openssl = RedisServer.onPath("openssl");
    Files.writeString(certs.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\n");
    run(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Errand test CA",
        "-keyout", "ca.key", "-out", "ca.crt");
    run(openssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
        "-out", "server.csr");
    run(openssl, "x509", "-req", "-days", "1", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-extfile", "server.ext", "-out", "server.crt");
    tlsPort = RedisServer.freePort();
    // The plain port RedisServer always opens only tells the helper that the server is up; the tests use the TLS one.
    try {
      server = RedisServer.started("--appendonly", "no", "--tls-port", Integer.toString(tlsPort),
          "--tls-cert-file", certs.resolve("server.crt").toString(),
          "--tls-key-file", certs.resolve("server.key").toString(),
          "--tls-ca-cert-file", certs.resolve("ca.crt").toString(),
          "--tls-auth-clients", "no");
    } catch (IllegalStateException | java.io.UncheckedIOException e) {
      // A redis-server built without TLS will not start with these options: a skip, as a missing binary is.
      if ("true".equals(System.getenv("CI"))) {
        throw e;
      }
      assumeTrue(false, "redis-server did not start with TLS (built without it?): " + e.getMessage());
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void runsTheContractOverTlsWithoutVerification() {
    try (RedisStore store = RedisStore.of(url("verifyPeer=NONE"))) {
      assertThat(tls(store)).as("the connection is TLS").isTrue();
      insertClaimComplete(store);
    }
  }

  @Test
  void refusesAnUntrustedCertificateAtOnceSayingWhy() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> RedisStore.of(url("")).close())
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining(":" + tlsPort)
        .hasMessageContaining("TLS handshake failed")
        .hasMessageContaining("certification path");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fails at once").isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void verifiesTheCertificateAgainstTheUrlsCaCert() {
    String ca = certs.resolve("ca.crt").toString();
    try (RedisStore store = RedisStore.of(url("cacert=" + ca))) {
      assertThat(tls(store)).as("the connection is TLS").isTrue();
      insertClaimComplete(store);
    }
    // Full verification (the default) checks the host name too: the certificate names 127.0.0.1 only.
    String otherName = "rediss://localhost:" + tlsPort + "/0?durability=none&cacert=" + ca;
    assertThatThrownBy(() -> RedisStore.of(otherName).close())
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("TLS handshake failed")
        .hasMessageContaining("No name matching localhost");
  }

  private static String url(String options) {
    return "rediss://127.0.0.1:" + tlsPort + "/0?durability=none&prefix=tls" + ProcessHandle.current().pid()
        + (options.isEmpty() ? "" : "&" + options);
  }

  /** True if the server has a client connected to its TLS port: the store is its only one. */
  private static boolean tls(RedisStore store) {
    store.ping();
    RedisClient client = RedisClient.create();
    try (StatefulRedisConnection<String, String> plain = client.connect(RedisURI.create("redis://127.0.0.1:" + server.port()))) {
      return plain.sync().clientList().contains("laddr=127.0.0.1:" + tlsPort + " ");
    } finally {
      client.shutdown();
    }
  }

  private static void insertClaimComplete(RedisStore store) {
    List<NewTask> tasks = RoundTrip.insertClaimComplete(store, "{\"n\":1}", false);
    for (NewTask t : tasks) {
      Task read = store.get(t.id()).orElseThrow();
      assertThat(read.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(new String(read.payload().toByteArray())).isEqualTo("{\"n\":1}");
    }
    store.deleteInstallation();
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(certs.toFile()).redirectErrorStream(true)
        .redirectOutput(certs.resolve("openssl.log").toFile()).start();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      fail("openssl failed: " + String.join(" ", command) + "\n" + Files.readString(certs.resolve("openssl.log")));
    }
  }
}
