package dev.errand.store.postgres;

import dev.errand.core.spi.TaskStore;
import java.util.ArrayList;
import java.util.List;

/**
 * For suites that want a new, empty store per test: each store gets a schema of its own, and all of
 * them are dropped together once the suite is done (after the suite's own checks of each store).
 */
final class FreshSchemas {
  private final String purpose;
  private final List<String> created = new ArrayList<>();

  FreshSchemas(String purpose) {
    this.purpose = purpose;
  }

  TaskStore newStore() {
    return newStore(TestDatabase::newStore);
  }

  /** A store on a new schema, built by {@code open} from the schema's name. */
  TaskStore newStore(java.util.function.Function<String, PostgresStore> open) {
    TestDatabase.requireServer();
    String schema = TestDatabase.newSchemaName(purpose);
    created.add(schema);
    return open.apply(schema);
  }

  void dropAll() {
    created.forEach(TestDatabase::dropSchema);
    created.clear();
  }
}
