package dev.errand.core.testkit;

import dev.errand.core.spi.TaskStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The store a conformance suite runs against: a new, empty one for each test, checked against the store
 * invariants after it and closed. Each store's test subclasses a suite and says how to make its store.
 */
public abstract class StoreUnderTest {
  protected TaskStore store;

  /** A new, empty store; the test closes it. */
  protected abstract TaskStore newStore();

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void checkInvariantsAndClose() {
    try {
      StoreInvariants.check(store);
    } finally {
      store.close();
    }
  }
}
