package dev.errand.server;

import static org.junit.jupiter.api.Assertions.fail;

import dev.errand.core.spi.TaskStoreProvider;
import dev.errand.core.testkit.TcpFaultProxy;
import dev.errand.server.internal.StoreCircuit;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * The test PostgreSQL ({@code ERRAND_TEST_POSTGRES_URL}, by default the local one) reached through a
 * {@link TcpFaultProxy}, in a schema of its own dropped on close. The shared server itself is never
 * touched: faults are the proxy's. Skips when PostgreSQL is not there, but fails under {@code CI=true}.
 */
final class ProxiedPostgres implements AutoCloseable {
  private static final String URL = System.getenv().getOrDefault(
      "ERRAND_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test");

  final TcpFaultProxy proxy;
  final String schema;
  private final URI direct;
  private TestServer server;

  private ProxiedPostgres(String purpose) {
    this.direct = URI.create(URL);
    byte[] suffix = new byte[4];
    ThreadLocalRandom.current().nextBytes(suffix);
    this.schema = "t_" + purpose + "_" + HexFormat.of().formatHex(suffix);
    System.out.println("test schema: " + schema);
    this.proxy = TcpFaultProxy.to(direct.getHost(), direct.getPort() < 0 ? 5432 : direct.getPort());
  }

  /** Skips (or, under CI, fails) when PostgreSQL cannot be reached directly. */
  static ProxiedPostgres open(String purpose) {
    try (Connection c = connectDirect()) {
      c.isValid(2);
    } catch (SQLException e) {
      String message = "PostgreSQL is not reachable at " + URL + ": " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (CI=true, so this fails instead of skipping)");
      }
      Assumptions.abort(message);
    }
    return new ProxiedPostgres(purpose);
  }

  /**
   * The store URL through the proxy, with {@code options} ({@code a=b&c=d}) added. Statements are never
   * prepared on the server ({@code prepareThreshold=0}), so each one's text and values cross the proxy,
   * where {@link TcpFaultProxy#loseAnswerTo} can find them.
   */
  String url(String options) {
    String userInfo = direct.getRawUserInfo() == null ? "" : direct.getRawUserInfo() + "@";
    String query = direct.getRawQuery() == null ? "" : direct.getRawQuery() + "&";
    return "postgres://" + userInfo + "127.0.0.1:" + proxy.port() + direct.getRawPath() + "?" + query
        + "schema=" + schema + "&prepareThreshold=0" + (options.isEmpty() ? "" : "&" + options);
  }

  /**
   * A started test server on this database through the proxy, with {@code options} added to the URL and
   * the store behind a {@link StoreCircuit}, as the server command wires it; closed with this.
   */
  TestServer server(String options) {
    server = TestServer.startedOn(StoreCircuit.around(TaskStoreProvider.openUrl(url(options))));
    return server;
  }

  /** A connection straight to PostgreSQL, around the proxy, to check what was committed. */
  static Connection connectDirect() throws SQLException {
    URI u = URI.create(URL);
    String user = u.getUserInfo() == null ? "postgres" : u.getUserInfo().split(":", 2)[0];
    String password = u.getUserInfo() != null && u.getUserInfo().contains(":") ? u.getUserInfo().split(":", 2)[1] : null;
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", user);
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("connectTimeout", "3");
    return DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort())
        + u.getPath(), p);
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    proxy.close();
    try (Connection c = connectDirect(); Statement s = c.createStatement()) {
      // The name is ours, a prefix and hex, so it needs no quoting.
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("could not drop the test schema " + schema, e);
    }
  }
}
