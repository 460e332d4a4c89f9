package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.store.postgres.internal.NotificationListener;
import dev.errand.store.postgres.internal.OwnNotifications;
import dev.errand.store.postgres.internal.StoreSql;
import dev.errand.store.postgres.internal.WorkSignals;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * The listener skips a notification that the store's own insert expected (its waiters were woken when
 * the insert committed) and turns every other one into a wake-up.
 */
class PostgresOwnNotificationsTest {
  @Test
  void expectedNotificationOfTheStoresOwnBackendIsSkippedAndEveryOtherWakes() throws Exception {
    TestDatabase.requireServer();
    String schema = TestDatabase.newSchemaName("own"); // names the channel only; nothing is created
    WorkSignals signals = new WorkSignals();
    OwnNotifications own = new OwnNotifications();
    try (NotificationListener listener = new NotificationListener(
            "test", TestDatabase::connect, StoreSql.forSchema(schema), signals, own);
        Connection mine = TestDatabase.connect();
        Connection other = TestDatabase.connect()) {
      listener.start();
      assertThat(listener.awaitListening(Duration.ofSeconds(10).toNanos())).isTrue();
      // Once a notification has come through, the listener is past its start (which forgets expectations).
      long warm = signals.version("warm-up");
      notify(other, schema, "warm-up");
      await().atMost(Duration.ofSeconds(10)).until(() -> signals.version("warm-up") != warm);

      int backend = mine.unwrap(PGConnection.class).getBackendPID();
      long before = signals.version("q");
      own.expect(backend, List.of("q"));
      notify(mine, schema, "q");
      // Committed after the first, so it arrives after it: then the first has been handled.
      long marker = signals.version("marker");
      notify(other, schema, "marker");
      await().atMost(Duration.ofSeconds(10)).until(() -> signals.version("marker") != marker);
      assertThat(signals.version("q")).as("the expected notification woke no one").isEqualTo(before);

      notify(other, schema, "q");
      await().atMost(Duration.ofSeconds(10)).until(() -> signals.version("q") == before + 1);
      notify(mine, schema, "q");
      await().atMost(Duration.ofSeconds(10)).until(() -> signals.version("q") == before + 2);
    }
  }

  @Test
  void insertForgetsWhatItDidNotNotifyAndLearnsWhatAnOlderNotificationUsedUp() {
    OwnNotifications own = new OwnNotifications();
    own.expect(7, List.of("a", "b", "c"));
    assertThat(own.arrived(7, "a")).isTrue();
    assertThat(own.arrived(7, "a")).as("one expectation, used up once").isFalse();
    assertThat(own.arrived(8, "b")).as("another backend's").isFalse();
    // b was not notified by the insert, and its expectation is still there; a's was used up.
    assertThat(own.forget(7, List.of("a", "b"))).containsExactly("a");
    assertThat(own.arrived(7, "b")).isFalse();
    own.clear();
    assertThat(own.arrived(7, "c")).as("forgotten when the listener listens again").isFalse();
    own.expect(OwnNotifications.UNKNOWN_BACKEND, List.of("d"));
    assertThat(own.arrived(OwnNotifications.UNKNOWN_BACKEND, "d")).isFalse();
  }

  private static void notify(Connection c, String schema, String queue) throws Exception {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, schema + "_work");
      ps.setString(2, queue);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
      }
    }
  }
}
