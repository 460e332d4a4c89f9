package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.TaskId;
import java.util.List;
import java.util.stream.Stream;
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

  @Test
  void idsWhoseHashesCollideKeepTheirOwnPositions() {
    // "Aa" and "BB" share a String hash, as do "AaAa", "AaBB", "BBAa" and "BBBB".
    List<TaskId> ids = Stream.of("Aa", "BB", "AaAa", "AaBB", "BBAa", "BBBB", "x").map(TaskId::of).toList();
    Ledger ledger = Ledger.of(ids);
    for (int i = 0; i < ids.size(); i++) {
      assertThat(ledger.indexOf(TaskId.of(ids.get(i).value()))).isEqualTo(i);
    }
    assertThat(ledger.indexOf(TaskId.of("Ab"))).isEqualTo(-1);
    for (int i = ids.size() - 1; i >= 0; i--) {
      assertThat(ledger.record(TaskId.of(ids.get(i).value()))).isEqualTo(i);
    }
    assertThatCode(() -> ledger.verify("SUCCEEDED", ids.size())).doesNotThrowAnyException();
  }

  @Test
  void anIdListedTwiceIsRefused() {
    assertThatThrownBy(() -> Ledger.of(List.of(TaskId.of("a1"), TaskId.of("b2"), TaskId.of("a1"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a1");
  }

  @Test
  void aLedgerOfManyIdsFindsEachAtItsPosition() {
    Ledger ledger = Ledger.ofFreshIds(100_000);
    for (int i = 0; i < ledger.size(); i++) {
      assertThat(ledger.indexOf(TaskId.of(ledger.id(i).value()))).isEqualTo(i);
    }
    assertThat(ledger.indexOf(TaskId.generate())).isEqualTo(-1);
  }
}
