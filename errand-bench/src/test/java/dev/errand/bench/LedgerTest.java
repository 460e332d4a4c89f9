package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.TaskId;
import org.junit.jupiter.api.Test;

/** The exactly-once check must refuse every way a run can go wrong, and pass a run that went right. */
class LedgerTest {
  private static Ledger allSeenOnce(int n) {
    Ledger ledger = Ledger.ofFreshIds(n);
    for (int i = 0; i < n; i++) {
      ledger.record(ledger.id(i));
    }
    return ledger;
  }

  @Test
  void aRunThatSawEveryTaskOnceAndAgreesWithTheStorePasses() {
    Ledger ledger = allSeenOnce(100);
    assertThatCode(() -> ledger.verify("SUCCEEDED", 100)).doesNotThrowAnyException();
  }

  @Test
  void aLostTaskFailsTheRun() {
    Ledger ledger = Ledger.ofFreshIds(100);
    for (int i = 1; i < 100; i++) {
      ledger.record(ledger.id(i));
    }
    assertThatThrownBy(() -> ledger.verify("SUCCEEDED", 100))
        .isInstanceOf(CorrectnessException.class)
        .hasMessageContaining("1 of 100 tasks never seen")
        .hasMessageContaining(ledger.id(0).toString());
  }

  @Test
  void aTaskRunTwiceFailsTheRun() {
    Ledger ledger = allSeenOnce(100);
    ledger.record(ledger.id(42));
    assertThatThrownBy(() -> ledger.verify("SUCCEEDED", 100))
        .isInstanceOf(CorrectnessException.class)
        .hasMessageContaining("1 tasks seen more than once")
        .hasMessageContaining(ledger.id(42).toString());
  }

  @Test
  void aStoreCountThatDisagreesFailsTheRunEvenWhenTheHandlersSawEveryTaskOnce() {
    Ledger ledger = allSeenOnce(100);
    assertThatThrownBy(() -> ledger.verify("SUCCEEDED", 99))
        .isInstanceOf(CorrectnessException.class)
        .hasMessageContaining("the store counts 99 tasks SUCCEEDED, expected 100");
    assertThatThrownBy(() -> ledger.verify("SUCCEEDED", 101)).isInstanceOf(CorrectnessException.class);
  }

  @Test
  void anIdTheRunNeverEnqueuedFailsTheRun() {
    Ledger ledger = allSeenOnce(10);
    ledger.record(TaskId.generate());
    assertThatThrownBy(() -> ledger.verify("SUCCEEDED", 10))
        .isInstanceOf(CorrectnessException.class)
        .hasMessageContaining("1 sightings of ids this run never enqueued");
  }
}
