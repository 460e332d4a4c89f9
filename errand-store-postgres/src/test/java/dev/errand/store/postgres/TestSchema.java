package dev.errand.store.postgres;

import java.util.ArrayList;
import java.util.List;

/**
 * A freshly created schema with a random name and the stores a test class opens on it; closing closes
 * the stores and drops the schema. Creating one skips (or under CI fails) when there is no server.
 */
final class TestSchema implements AutoCloseable {
  private final String name;
  private final List<PostgresStore> stores = new ArrayList<>();

  private TestSchema(String name) {
    this.name = name;
  }

  static TestSchema create(String purpose) {
    TestDatabase.requireServer();
    return new TestSchema(TestDatabase.newSchemaName(purpose));
  }

  String name() {
    return name;
  }

  /** A new store instance (its own pool) on this schema, closed with it. */
  PostgresStore newStore() {
    PostgresStore store = TestDatabase.newStore(name);
    stores.add(store);
    return store;
  }

  @Override
  public void close() {
    stores.forEach(PostgresStore::close);
    TestDatabase.dropSchema(name);
  }
}
