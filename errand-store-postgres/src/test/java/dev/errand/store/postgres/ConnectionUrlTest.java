package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.spi.TaskStoreProvider;
import dev.errand.store.postgres.internal.ConnectionUrl;
import dev.errand.store.postgres.internal.StoreSql;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** URL forms the store accepts, and the schema names it refuses. No server needed. */
class ConnectionUrlTest {
  @Test
  void libpqFormBecomesJdbcWithDecodedCredentials() {
    ConnectionUrl url = ConnectionUrl.parse("postgres://app:p%40ss%3Aword@db.example:6543/jobs?sslmode=require");
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/jobs?sslmode=require");
    assertThat(url.user()).isEqualTo("app");
    assertThat(url.password()).isEqualTo("p@ss:word");
    assertThat(url.toString()).doesNotContain("p@ss");
  }

  @Test
  void postgresqlSchemeAndMissingPartsAreAccepted() {
    ConnectionUrl url = ConnectionUrl.parse("postgresql://localhost/test");
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost/test");
    assertThat(url.user()).isNull();
    assertThat(url.password()).isNull();
    assertThat(ConnectionUrl.parse("postgres://u@h").jdbcUrl()).isEqualTo("jdbc:postgresql://h/");
  }

  @Test
  void jdbcUrlPassesThrough() {
    String jdbc = "jdbc:postgresql://h:5432/db?user=u";
    assertThat(ConnectionUrl.parse(jdbc).jdbcUrl()).isEqualTo(jdbc);
  }

  @Test
  void otherSchemesAreRefused() {
    assertThatThrownBy(() -> ConnectionUrl.parse("mysql://u:secret@h/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> ConnectionUrl.parse(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void schemaMustBeAPlainIdentifier() {
    assertThat(StoreSql.forSchema("errand_2").get("ping")).isEqualTo("SELECT 1");
    assertThat(StoreSql.forSchema("jobs").get("get_task")).contains("jobs.tasks").doesNotContain("{schema}");
    for (String bad : new String[] {"Errand", "1abc", "a;DROP TABLE x", "a.b", "\"q\"", "", "x".repeat(51)}) {
      assertThatThrownBy(() -> PostgresStore.builder().schema(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("schema");
    }
  }

  @Test
  void providerIsRegisteredForPostgresUrls() {
    assertThat(ServiceLoader.load(TaskStoreProvider.class).stream()
        .map(p -> p.get().schemes()))
        .anySatisfy(schemes -> assertThat(schemes).contains("postgres", "postgresql"));
  }

  @Test
  void unreachableServerFailsTheBuildWithStoreUnavailable() {
    // Port 1 on the loopback refuses at once: no server needed, and no wait.
    assertThatThrownBy(() -> PostgresStore.builder().url("postgres://nobody@127.0.0.1:1/none").build())
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("127.0.0.1:1");
  }

  @Test
  void builderNeedsExactlyOneSource() {
    assertThatThrownBy(() -> PostgresStore.builder().build()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> PostgresStore.builder().url("postgres://h/db").dataSource(new PGSimpleDataSource()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> PostgresStore.builder().maximumPoolSize(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
