package dev.errand.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlStatementsTest {
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
