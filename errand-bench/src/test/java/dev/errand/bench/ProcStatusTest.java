package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** Reading a process's memory and CPU from /proc, as server-drain does for the server. */
class ProcStatusTest {
  @Test
  void readsThisProcessesResidentSetItsPeakAndCpu() {
    ProcStatus s = ProcStatus.read(ProcessHandle.current().pid());
    long heapBytes = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    assertThat(s.rssKiB()).isPositive();
    assertThat(s.peakRssKiB()).isGreaterThanOrEqualTo(s.rssKiB());
    assertThat(s.anonKiB() + s.fileKiB()).isLessThanOrEqualTo(s.rssKiB());
    // A JVM that has run tests holds at least its used heap's worth of touched memory, and has used CPU.
    assertThat(s.rssKiB() * 1024).isGreaterThan(heapBytes / 2);
    assertThat(s.cpuNanos()).isPositive();
  }

  @Test
  void cpuTimeIsFieldsFourteenAndFifteenEvenWhenTheCommandNameHasSpacesAndParentheses() {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 30 0";
    assertThat(ProcStatus.cpuNanos(stat)).isEqualTo(300 * 10_000_000L);
  }

  @Test
  void aProcessThatIsGoneIsAClearError() {
    assertThatThrownBy(() -> ProcStatus.read(Integer.MAX_VALUE))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("/proc");
  }
}
