package dev.errand.server.httptarget;

import dev.errand.httptarget.TargetObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Meters of target requests per host: {@code errand_target_requests_total{host, status}} counts each
 * request by its status ({@code 200}, {@code 503}) or, without a response, by {@code refused},
 * {@code timeout} or {@code connection}; {@code errand_target_request_seconds{host}} times them (redirect
 * hops included). {@code GET /v1/stats/targets} ({@link TargetStatsRoutes}) reads them back per host.
 * Thread-safe.
 */
public final class TargetMetrics implements TargetObserver {
  static final String REQUESTS = "errand.target.requests";
  static final String LATENCY = "errand.target.request";
  private final MeterRegistry registry;

  public TargetMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void response(String host, int status, Duration latency) {
    record(host, Integer.toString(status), latency);
  }

  @Override
  public void failure(String host, String error, Duration latency) {
    record(host, error, latency);
  }

  private void record(String host, String status, Duration latency) {
    Counter.builder(REQUESTS).description("Requests of target tasks, by host and status")
        .tag("host", host).tag("status", status).register(registry).increment();
    Timer.builder(LATENCY).description("Time of target requests, by host")
        .tag("host", host).register(registry).record(latency);
  }
}
