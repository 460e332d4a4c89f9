package dev.errand.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Another process's memory and CPU as Linux reports them in {@code /proc/PID/status} and
 * {@code /proc/PID/stat}: what the kernel charges the process, whatever runs inside it (heap, metaspace,
 * thread stacks, code cache, SQLite's page cache, mapped files).
 *
 * @param rssKiB resident set now ({@code VmRSS})
 * @param peakRssKiB the most it was ever resident ({@code VmHWM}), kept by the kernel, so no spike
 *     between two samples is missed
 * @param anonKiB the anonymous part of the resident set ({@code RssAnon}): heap, stacks, native memory
 * @param fileKiB the file-backed part ({@code RssFile}): the JVM's own code, jars, mapped files
 * @param cpuNanos user plus system CPU time so far
 */
record ProcStatus(long rssKiB, long peakRssKiB, long anonKiB, long fileKiB, long cpuNanos) {
  /**
   * Clock ticks per second of {@code /proc/PID/stat}'s times: USER_HZ, 100 on every Linux the JDK runs
   * on (it is part of the kernel's user-space ABI, unlike the kernel's own HZ).
   */
  private static final long TICKS_PER_SECOND = 100;

  static ProcStatus read(long pid) {
    Path dir = Path.of("/proc", Long.toString(pid));
    try {
      long rss = -1;
      long hwm = -1;
      long anon = -1;
      long file = -1;
      for (String line : Files.readAllLines(dir.resolve("status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kib(line);
        } else if (line.startsWith("VmHWM:")) {
          hwm = kib(line);
        } else if (line.startsWith("RssAnon:")) {
          anon = kib(line);
        } else if (line.startsWith("RssFile:")) {
          file = kib(line);
        }
      }
      if (rss < 0 || hwm < 0) {
        throw new IllegalStateException("no VmRSS or VmHWM in " + dir.resolve("status"));
      }
      return new ProcStatus(rss, hwm, anon, file, cpuNanos(Files.readString(dir.resolve("stat"))));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir + " (the memory scenarios need Linux's /proc)", e);
    }
  }

  /** utime plus stime: fields 14 and 15, counted after the command name, which may hold spaces. */
  static long cpuNanos(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // f[0] is field 3 (state), so field k is f[k - 3].
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * (1_000_000_000L / TICKS_PER_SECOND);
  }

  private static long kib(String line) {
    String[] parts = line.substring(line.indexOf(':') + 1).strip().split("\\s+");
    return Long.parseLong(parts[0]);
  }

  static double mib(long kib) {
    return kib / 1024.0;
  }
}
