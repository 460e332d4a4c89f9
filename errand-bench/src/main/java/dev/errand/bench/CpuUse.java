package dev.errand.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * CPU used by this process over a window, in total and by its busiest platform thread. On a machine
 * shared with other work, CPU per task is steadier than tasks per second; the cores used show whether a
 * run was starved; and a busiest thread near one core (such as a store's single writer) marks the
 * ceiling of the design rather than of the machine. Virtual threads are counted in the total only.
 */
final class CpuUse {
  private final long processStart;
  private final long wallStart = System.nanoTime();
  private final Map<Long, Long> threadStart = new HashMap<>();
  private final Supplier<Map<Long, Long>> server;
  private final Map<Long, Long> serverStart;

  private CpuUse(Supplier<Map<Long, Long>> server) {
    this.server = server;
    this.serverStart = server.get();
    this.processStart = processNanos();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    if (threads.isThreadCpuTimeSupported()) {
      for (long id : threads.getAllThreadIds()) {
        threadStart.put(id, threads.getThreadCpuTime(id));
      }
    }
  }

  static CpuUse start() {
    return new CpuUse(Map::of);
  }

  /**
   * As {@link #start()}, also counting the CPU of the store's server processes ({@link FreshStore#serverCpu}):
   * a process that appeared since counts from zero, one that went away is left out.
   */
  static CpuUse start(FreshStore fresh) {
    return new CpuUse(fresh.serverCpu());
  }

  /** This process's CPU time so far, user plus system, or -1 where the JVM cannot tell. */
  static long processNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /**
   * Adds {@code cpu_us_per_task}, {@code cores_used}, {@code busiest_thread_us_per_task} and
   * {@code busiest_thread_busy} (its CPU over the wall time, 1.0 = always on a core) for {@code n}
   * tasks since {@link #start()}; with a store server's processes, also {@code server_cpu_us_per_task}
   * and {@code server_cores_used}.
   */
  void put(Map<String, Double> metrics, long n) {
    long wall = Math.max(1, System.nanoTime() - wallStart);
    Map<Long, Long> serverNow = serverStart.isEmpty() ? Map.of() : server.get();
    if (!serverNow.isEmpty()) {
      long used = 0;
      for (Map.Entry<Long, Long> e : serverNow.entrySet()) {
        used += e.getValue() - serverStart.getOrDefault(e.getKey(), 0L);
      }
      metrics.put("server_cpu_us_per_task", used / 1000.0 / n);
      metrics.put("server_cores_used", (double) used / wall);
    }
    long process = processNanos();
    if (processStart >= 0 && process >= 0) {
      metrics.put("cpu_us_per_task", (process - processStart) / 1000.0 / n);
      metrics.put("cores_used", (double) (process - processStart) / wall);
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    if (!threads.isThreadCpuTimeSupported()) {
      return;
    }
    long busiest = -1;
    for (long id : threads.getAllThreadIds()) {
      long now = threads.getThreadCpuTime(id);
      if (now >= 0) {
        busiest = Math.max(busiest, now - threadStart.getOrDefault(id, 0L));
      }
    }
    if (busiest >= 0) {
      metrics.put("busiest_thread_us_per_task", busiest / 1000.0 / n);
      metrics.put("busiest_thread_busy", (double) busiest / wall);
    }
  }
}
