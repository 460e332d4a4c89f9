package dev.errand.server;

/** The fault suite on the embedded SQLite store, in the test's own data directory. */
class SqliteFaultSuiteTest extends FaultSuiteTest {
  @Override
  String storeUrl() {
    return "sqlite:" + dir.resolve("store");
  }
}
