package dev.errand.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreProviderTest {
  @Test
  void opensASqliteUrlInTheNamedDirectory(@TempDir Path dir) {
    Path data = dir.resolve("data");
    try (TaskStore store = TaskStoreProvider.openUrl("sqlite:" + data)) {
      assertThat(store.name()).isEqualTo("sqlite");
      assertThat(Files.exists(data.resolve(SqliteStore.DATABASE_FILE))).isTrue();
    }
  }

  @Test
  void unknownSchemesAreRefusedNamingTheKnownOnes() {
    assertThatThrownBy(() -> TaskStoreProvider.openUrl("mongo://x")).hasMessageContaining("sqlite");
    assertThatThrownBy(() -> TaskStoreProvider.openUrl("no-scheme")).hasMessageContaining("scheme");
  }
}
