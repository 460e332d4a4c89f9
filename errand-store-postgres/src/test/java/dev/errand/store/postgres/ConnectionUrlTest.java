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
    assertThat(StoreSql.forSchema("x".repeat(50)).schema()).hasSize(50);
    for (String bad : new String[] {"Errand", "1abc", "a;DROP TABLE x", "a.b", "\"q\"", "x".repeat(51), "bench-1"}) {
      assertThatThrownBy(() -> PostgresStore.builder().schema(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("schema must match [a-z_][a-z0-9_]{0,49}")
          .hasMessageEndingWith(": " + bad);
    }
    assertThatThrownBy(() -> PostgresStore.builder().schema(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("schema must not be empty");
    assertThatThrownBy(() -> PostgresStore.builder().schema(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("schema must not be empty");
  }

  @Test
  void schemaMayNotBeANamePostgresKeepsForItself() {
    // Each would pass the identifier pattern but break CREATE SCHEMA or every unquoted statement.
    for (String reserved : new String[] {"user", "select", "order", "left", "table", "current_schema"}) {
      assertThatThrownBy(() -> PostgresStore.builder().schema(reserved))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("schema must not be an SQL reserved word: " + reserved);
    }
    assertThatThrownBy(() -> PostgresStore.builder().schema("pg_jobs"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("schema must not start with pg_");
    // Unreserved keywords and names that merely contain a reserved word are fine.
    for (String ok : new String[] {"jobs", "queue", "users", "errand", "_private", "public"}) {
      assertThat(StoreSql.requireSchema(ok)).isEqualTo(ok);
    }
  }

  @Test
  void schemaOptionNamesTheSchemaAndLeavesTheJdbcUrl() {
    ConnectionUrl url = ConnectionUrl.parse("postgres://app:pw@db:5432/jobs?sslmode=require&schema=bench_1&connectTimeout=3");
    assertThat(url.schema()).isEqualTo("bench_1");
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/jobs?sslmode=require&connectTimeout=3");
    ConnectionUrl only = ConnectionUrl.parse("postgresql://db/jobs?schema=jobs_2");
    assertThat(only.schema()).isEqualTo("jobs_2");
    assertThat(only.jdbcUrl()).isEqualTo("jdbc:postgresql://db/jobs");
    ConnectionUrl jdbc = ConnectionUrl.parse("jdbc:postgresql://db/jobs?user=u&schema=tenant_a");
    assertThat(jdbc.schema()).isEqualTo("tenant_a");
    assertThat(jdbc.jdbcUrl()).isEqualTo("jdbc:postgresql://db/jobs?user=u");
    assertThat(ConnectionUrl.parse("postgres://db/jobs?sslmode=disable").schema()).isNull();
    assertThat(ConnectionUrl.parse("jdbc:postgresql://db/jobs").schema()).isNull();
  }

  @Test
  void connectionTimeoutOptionIsErrandsAndLeavesTheJdbcUrl() {
    ConnectionUrl url = ConnectionUrl.parse("postgres://app:pw@db/jobs?connectionTimeout=750ms&connectTimeout=3");
    assertThat(url.connectionTimeout()).isEqualTo(java.time.Duration.ofMillis(750));
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db/jobs?connectTimeout=3");
    assertThat(ConnectionUrl.parse("jdbc:postgresql://db/jobs?connectionTimeout=2").connectionTimeout())
        .isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(ConnectionUrl.parse("postgres://db/jobs?connectionTimeout=2s").connectionTimeout())
        .isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(ConnectionUrl.parse("postgres://db/jobs").connectionTimeout()).isNull();
    assertThatThrownBy(() -> ConnectionUrl.parse("postgres://app:secret@db/jobs?connectionTimeout=soon"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectionTimeout must be a duration")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> PostgresStore.builder().url("postgres://nobody@127.0.0.1:1/none?connectionTimeout=100ms")
        .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 250 ms");
    assertThatThrownBy(() -> PostgresStore.builder().url("postgres://nobody@127.0.0.1:1/none?connectionTimeout=1s")
        .connectionTimeout(java.time.Duration.ofSeconds(2)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("in one place");
  }

  @Test
  void badSchemaOptionIsRefusedNamingTheRuleWithoutThePassword() {
    assertThatThrownBy(() -> ConnectionUrl.parse("postgres://app:secret@db/jobs?schema=Bad-Name"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema must match")
        .hasMessageContaining("Bad-Name")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> ConnectionUrl.parse("jdbc:postgresql://db/jobs?password=secret&schema=select"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema must not be an SQL reserved word: select")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> ConnectionUrl.parse("postgres://db/jobs?schema="))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema must not be empty");
    assertThatThrownBy(() -> ConnectionUrl.parse("postgres://db/jobs?schema=a&schema=b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names its schema twice");
    assertThatThrownBy(() -> PostgresStore.builder().url("postgres://db/jobs?schema=pg_x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not start with pg_");
  }

  @Test
  void schemaSetTwiceMustAgree() {
    assertThatThrownBy(() -> PostgresStore.builder().url("postgres://nobody@127.0.0.1:1/none?schema=jobs").schema("other").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("schema other differs from the url's schema jobs");
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
