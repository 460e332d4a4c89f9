package dev.errand.server;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import dev.errand.server.internal.StoreCircuit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A measurement, not a test: how long 503s and readiness take during a PostgreSQL outage (the fault proxy
 * refusing every connection) with the store circuit and without it, default pool settings, alternated
 * in the same window. Prints medians and maxima; asserts nothing. Run with
 * {@code ./mvnw -pl errand-server -am verify -Dtest=OutageLatencyProbe -Derrand.probe=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "errand.probe", matches = "true")
class OutageLatencyProbe {
  @Test
  void measure() throws Exception {
    for (int round = 1; round <= 2; round++) {
      for (boolean circuit : new boolean[] {true, false}) {
        try (ProxiedPostgres pg = ProxiedPostgres.open("probe")) {
          TaskStore store = TaskStoreProvider.openUrl(pg.url(""));
          try (TestServer server = TestServer.startedOn(circuit ? StoreCircuit.around(store) : store)) {
            server.http.post("/v1/tasks", "{\"type\":\"t\"}");
            pg.proxy.refuse();
            List<Long> enqueue = new ArrayList<>();
            List<Long> ready = new ArrayList<>();
            for (int i = 0; i < (circuit ? 40 : 6); i++) {
              enqueue.add(time(() -> server.http.post("/v1/tasks", "{\"type\":\"t\"}")));
              ready.add(time(() -> server.http.get("/health/ready")));
            }
            pg.proxy.heal();
            long healed = System.nanoTime();
            while (server.http.get("/health/ready").status() != 200) {
              Thread.sleep(10);
            }
            long back = Duration.ofNanos(System.nanoTime() - healed).toMillis();
            System.out.printf("probe round %d %s: enqueue 503 median %d ms max %d ms (first %d ms); ready 503 median %d ms"
                + " max %d ms; ready again %d ms after the database came back%n", round,
                circuit ? "circuit" : "no circuit", median(enqueue), Collections.max(enqueue), enqueue.getFirst(),
                median(ready), Collections.max(ready), back);
          }
        }
      }
    }
  }

  private static long time(Runnable call) {
    long start = System.nanoTime();
    call.run();
    return Duration.ofNanos(System.nanoTime() - start).toMillis();
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
