package dev.errand.bench;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where the numbers were taken, recorded with each result. The load average shows other work running. */
record Machine(int cores, String jdk, String os, double loadAverageAtStart, long maxHeapMiB) {
  static Machine current() {
    return new Machine(Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vendor") + " " + Runtime.version(),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().maxMemory() >> 20);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", cores);
    m.put("jdk", jdk);
    m.put("os", os);
    m.put("load_average_at_start", loadAverageAtStart);
    m.put("max_heap_mib", maxHeapMiB);
    return m;
  }
}
