package dev.errand.server;

class SqliteRemoteLeaseTest extends RemoteLeaseTest {
  @Override
  TestServer newServer() {
    return TestServer.sqliteStarted();
  }
}
