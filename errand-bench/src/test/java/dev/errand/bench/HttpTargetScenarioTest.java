package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.errand.httptarget.HttpTargetExecutor;
import dev.errand.httptarget.TargetPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The checks of http-target's phases without the store: they fail a run rather than count a failure. */
class HttpTargetScenarioTest {
  private final AtomicInteger status = new AtomicInteger(200);
  private HttpServer endpoint;
  private String url;
  private HttpTargetExecutor executor;

  @BeforeEach
  void start() throws Exception {
    endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    endpoint.createContext("/", x -> {
      try (x) {
        x.getRequestBody().readAllBytes();
        x.sendResponseHeaders(status.get(), -1);
      }
    });
    endpoint.start();
    url = "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/noop";
    executor = HttpTargetExecutor.builder().policy(TargetPolicy.allowing(List.of("127.0.0.1"))).build();
  }

  @AfterEach
  void stop() {
    endpoint.stop(0);
  }

  @Test
  void theExecutorAloneSucceedsOnA2xxAndFailsTheRunOnAnythingElse() throws Exception {
    var call = HttpTargetScenario.executorAlone(executor, url);
    call.call();

    status.set(500);
    assertThatThrownBy(call::call).isInstanceOf(CorrectnessException.class).hasMessageContaining("Retry");
    status.set(404);
    assertThatThrownBy(call::call).isInstanceOf(CorrectnessException.class).hasMessageContaining("Dead");
  }

  @Test
  void aClosedLoopCountsItsCallsAndFailsOnTheFirstFailure() throws Exception {
    assertThat(HttpTargetScenario.closedLoop(4, 1, HttpTargetScenario.executorAlone(executor, url))).isPositive();

    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> HttpTargetScenario.closedLoop(4, 1, () -> {
      if (calls.incrementAndGet() == 50) {
        throw new CorrectnessException("call 50 failed");
      }
      return null;
    })).isInstanceOf(CorrectnessException.class).hasMessage("call 50 failed");
  }
}
