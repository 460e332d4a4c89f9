package dev.errand.server;

class SqliteWorkerProtocolExtensionsTest extends WorkerProtocolExtensionsTest {
  @Override
  TestServer newServer() {
    return TestServer.sqliteStarted();
  }
}
