package dev.errand.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SqlStatementsTest {
  @Test
  void sectionsRunFromHeaderToHeader() {
    SqlStatements sql = SqlStatements.parse("t.sql", """
        -- a file comment before any header is ignored
        -- name: claim
        -- picks due tasks
        SELECT 1
        FROM t;

        -- name: complete
        UPDATE t SET x = 1
        """);
    assertThat(sql.get("claim")).isEqualTo("-- picks due tasks\nSELECT 1\nFROM t");
    assertThat(sql.get("complete")).isEqualTo("UPDATE t SET x = 1");
    assertThat(sql.names()).containsExactly("claim", "complete");
  }

  @Test
  void aMissingOrRepeatedNameIsABug() {
    SqlStatements sql = SqlStatements.parse("t.sql", "-- name: a\nSELECT 1");
    assertThatThrownBy(() -> sql.get("b")).hasMessageContaining("no statement named b");
    assertThatThrownBy(() -> SqlStatements.parse("t.sql", "-- name: a\nSELECT 1\n-- name: a\nSELECT 2"))
        .hasMessageContaining("twice");
  }

  @Test
  void namesKeepFileOrderSoMigrationsRunInIt() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      text.append("-- name: step_").append(19 - i).append("\nSELECT ").append(i).append(";\n\n");
    }
    SqlStatements statements = SqlStatements.parse("steps.sql", text.toString());
    int expected = 19;
    for (String name : statements.names()) {
      assertThat(name).isEqualTo("step_" + expected--);
    }
    assertThat(expected).isEqualTo(-1);
    assertThat(statements.get("step_19")).isEqualTo("SELECT 0");
  }
}
