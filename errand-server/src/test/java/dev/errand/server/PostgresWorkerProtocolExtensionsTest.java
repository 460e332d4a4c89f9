package dev.errand.server;

/** On PostgreSQL, in a schema of its own that is dropped after each test. */
class PostgresWorkerProtocolExtensionsTest extends WorkerProtocolExtensionsTest {
  private PostgresTestSchema schema;

  @Override
  TestServer newServer() {
    schema = PostgresTestSchema.create("protocol");
    return TestServer.startedOn(schema.open());
  }

  @Override
  void afterClose() {
    if (schema != null) {
      schema.drop();
    }
  }
}
