package dev.errand.server;

/** On PostgreSQL, in a schema of its own that is dropped after each test; skips if there is no server. */
class PostgresRemoteLeaseTest extends RemoteLeaseTest {
  private PostgresTestSchema schema;

  @Override
  TestServer newServer() {
    schema = PostgresTestSchema.create("leases");
    return TestServer.startedOn(schema.open());
  }

  @Override
  void afterClose() {
    if (schema != null) {
      schema.drop();
    }
  }
}
