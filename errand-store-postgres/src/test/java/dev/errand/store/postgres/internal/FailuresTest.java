package dev.errand.store.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.ErrandException;
import dev.errand.core.StoreCorruptException;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.StoreUnreachableException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/**
 * Which JDBC failures count as a lost connection (StoreUnreachableException) or damaged data
 * (StoreCorruptException); every other one becomes StoreUnavailableException.
 */
class FailuresTest {
  @Test
  void connectionClassAdminShutdownAndPoolTimeoutsAreConnectionLoss() {
    assertThat(Failures.isConnectionLoss(new SQLException("io", "08006"))).isTrue();
    assertThat(Failures.isConnectionLoss(new SQLException("refused", "08001"))).isTrue();
    assertThat(Failures.isConnectionLoss(new SQLException("terminating", "57P01"))).isTrue();
    assertThat(Failures.isConnectionLoss(new SQLTransientConnectionException("pool timed out"))).isTrue();
    assertThat(Failures.isConnectionLoss(new SQLException("wrapped", null, new SQLException("io", "08003")))).isTrue();
    assertThat(Failures.isConnectionLoss(new SQLException("duplicate", "23505"))).isFalse();
  }

  @Test
  void everyFailureIsReportedAsUnavailableWithItsCause() {
    SQLException lost = new SQLException("terminating connection", "57P01");
    ErrandException e = Failures.unavailable("postgres:errand", "insert", lost);
    assertThat(e).isInstanceOf(StoreUnreachableException.class).hasCause(lost)
        .hasMessageContaining("postgres:errand").hasMessageContaining("lost its connection");
    assertThat(Failures.unavailable("s", "claim", new SQLTransientConnectionException("pool timed out")))
        .isInstanceOf(StoreUnreachableException.class);
    assertThat(Failures.unavailable("s", "claim", new SQLException("full", "53100")))
        .isExactlyInstanceOf(StoreUnavailableException.class).hasMessageContaining("SQLState 53100");
  }

  @Test
  void damagedDataOrIndexIsCorruptNotARetry() {
    assertThat(Failures.unavailable("s", "get", new SQLException("invalid page in block 150", "XX001")))
        .isInstanceOf(StoreCorruptException.class).hasMessageContaining("XX001");
    assertThat(Failures.unavailable("s", "claim", new SQLException("index is corrupted", "XX002")))
        .isInstanceOf(StoreCorruptException.class).hasMessageContaining("REINDEX");
    assertThat(Failures.unavailable("s", "claim", new SQLException("internal", "XX000")))
        .isExactlyInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void dataTheDatabaseRefusesIsTheRequestsOwnFaultAndNothingElseIs() {
    assertThat(Failures.isOwnData(Failures.unavailable("s", "insert", new SQLException("nul byte", "22021")))).isTrue();
    assertThat(Failures.isOwnData(Failures.unavailable("s", "insert", new SQLException("check", "23514")))).isTrue();
    assertThat(Failures.isOwnData(new IllegalArgumentException("timeout overflows nanoseconds"))).isTrue();
    assertThat(Failures.isOwnData(Failures.unavailable("s", "insert", new SQLException("io", "08006")))).isFalse();
    assertThat(Failures.isOwnData(Failures.unavailable("s", "insert", new SQLException("deadlock", "40P01")))).isFalse();
    assertThat(Failures.isOwnData(Failures.unavailable("s", "insert", new SQLTransientConnectionException("pool"))))
        .isFalse();
  }
}
