package dev.errand.httptarget;

import static dev.errand.httptarget.LocalEndpoint.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.TaskState;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Each SSRF defence against a real endpoint on 127.0.0.1: a refused target ends DEAD on its first attempt,
 * and nothing reaches the endpoint.
 */
class SsrfDefenceTest {
  private static Task runOnce(HttpTargetExecutor executor, String url) {
    try (TargetRun run = new TargetRun(executor)) {
      return run.run(HttpTarget.post(url).build(), null, 3, TaskState.DEAD, TaskState.SUCCEEDED);
    }
  }

  private static InetAddress address(String host, String literal) {
    try {
      return InetAddress.getByAddress(host, InetAddress.getByName(literal).getAddress());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aLiteralPrivateAddressIsRefusedWithoutConnecting() {
    Task task = runOnce(HttpTargetExecutor.builder().build(), "http://10.1.2.3:8080/admin");
    assertThat(task.state()).isEqualTo(TaskState.DEAD);
    assertThat(task.attempt()).isEqualTo(1);
    assertThat(task.lastError()).startsWith("target refused: 10.1.2.3 is private");
  }

  @Test
  void theMetadataAddressIsRefused() {
    Task task = runOnce(HttpTargetExecutor.builder().build(), "http://169.254.169.254/latest/meta-data/");
    assertThat(task.lastError()).startsWith("target refused: 169.254.169.254 is cloud metadata");
  }

  @Test
  void aNameThatResolvesToLoopbackIsRefused() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 200, "reached"))) {
      Resolver toLoopback = host -> List.of(address(host, "127.0.0.1"));
      Task task = runOnce(HttpTargetExecutor.builder().resolver(toLoopback).build(),
          "http://internal.example:" + endpoint.port() + "/");
      assertThat(task.state()).isEqualTo(TaskState.DEAD);
      assertThat(task.lastError()).startsWith("target refused: internal.example resolves to 127.0.0.1 is loopback");
      assertThat(endpoint.received).isEmpty();
    }
  }

  @Test
  void localhostByTheSystemResolverIsRefused() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 200, "reached"))) {
      Task task = runOnce(HttpTargetExecutor.builder().build(), "http://localhost:" + endpoint.port() + "/");
      assertThat(task.lastError()).startsWith("target refused: localhost resolves to ").contains("is loopback");
      assertThat(endpoint.received).isEmpty();
    }
  }

  @Test
  void anIpv4MappedIpv6LiteralIsRefusedEvenWhenItsIpv4AddressIsAllowed() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 200, "reached"))) {
      HttpTargetExecutor executor = HttpTargetExecutor.builder().policy(TargetPolicy.allowing(List.of("127.0.0.1"))).build();
      Task task = runOnce(executor, "http://[::ffff:127.0.0.1]:" + endpoint.port() + "/");
      assertThat(task.lastError()).startsWith("target refused: ").contains("is IPv4-mapped IPv6");
      assertThat(endpoint.received).isEmpty();
    }
  }

  @Test
  void aRedirectIsNotFollowedByDefault() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 302, "", "location", "http://10.0.0.1/"))) {
      HttpTargetExecutor executor = HttpTargetExecutor.builder().policy(TargetPolicy.allowing(List.of("127.0.0.1"))).build();
      Task task = runOnce(executor, endpoint.url("/start"));
      assertThat(task.state()).isEqualTo(TaskState.DEAD);
      assertThat(task.lastError()).startsWith("HTTP 302 ");
    }
  }

  @Test
  void aFollowedRedirectToAPrivateAddressIsRefused() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 307, "", "location", "http://127.0.0.2:"
        + x.getLocalAddress().getPort() + "/inside"))) {
      HttpTargetExecutor executor = HttpTargetExecutor.builder().maxRedirects(3)
          .policy(TargetPolicy.allowing(List.of("127.0.0.1"))).build();
      Task task = runOnce(executor, endpoint.url("/start"));
      assertThat(task.state()).isEqualTo(TaskState.DEAD);
      assertThat(task.lastError()).startsWith("target refused: 127.0.0.2 is loopback");
      assertThat(endpoint.received).extracting(LocalEndpoint.Received::path).containsExactly("/start");
    }
  }

  @Test
  void aFollowedRedirectWithinTheAllowListIsFollowed() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> {
      if (n == 1) {
        send(x, 308, "", "location", "/next");
      } else {
        send(x, 200, "there");
      }
    })) {
      HttpTargetExecutor executor = HttpTargetExecutor.builder().maxRedirects(1)
          .policy(TargetPolicy.allowing(List.of("127.0.0.1"))).build();
      assertThat(runOnce(executor, endpoint.url("/start")).state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(endpoint.received).extracting(LocalEndpoint.Received::method).containsExactly("POST", "POST");
    }
  }

  /**
   * A rebinding resolver answers an allowed address first and a private one after. The client connects to
   * the address that was checked: the name is looked up once per connection, never again between the
   * check and the connect, so the second answer is never used for the first connection.
   */
  @Test
  void aRebindingResolverCannotSwapTheCheckedAddress() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 200, "reached"))) {
      AtomicInteger lookups = new AtomicInteger();
      Resolver rebinding = host -> List.of(address(host, lookups.incrementAndGet() == 1 ? "203.0.113.9" : "10.0.0.7"));
      // 203.0.113.9 plays the public address: allowed here as the one range the test opens, so that the
      // request really goes there (and fails to connect, since nothing listens).
      HttpTargetExecutor executor = HttpTargetExecutor.builder().resolver(rebinding)
          .policy(TargetPolicy.allowing(List.of("203.0.113.9"))).build();
      try (TargetRun run = new TargetRun(executor)) {
        HttpTarget target = HttpTarget.post("http://rebind.example:" + endpoint.port() + "/")
            .deadline(java.time.Duration.ofMillis(500)).build();
        Task task = run.run(target, null, 2, TaskState.DEAD, TaskState.SUCCEEDED);
        List<String> errors = run.errand.errors(task.id()).stream().map(dev.errand.core.AttemptError::error).toList();
        // First attempt: one lookup, the public answer, a connection there (it times out or fails).
        assertThat(errors.get(0)).doesNotContain("refused").contains("rebind.example");
        // Second attempt: the private answer is refused before any connection.
        assertThat(task.lastError()).startsWith("target refused: rebind.example resolves to 10.0.0.7 is private");
        assertThat(lookups.get()).isEqualTo(2);
      }
      assertThat(endpoint.received).isEmpty();
    }
  }

  @Test
  void aHostOpenedByNameMayResolveToLoopback() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 200, "reached"))) {
      Resolver toLoopback = host -> List.of(address(host, "127.0.0.1"));
      HttpTargetExecutor executor = HttpTargetExecutor.builder().resolver(toLoopback)
          .policy(TargetPolicy.allowing(List.of("svc.internal"))).build();
      assertThat(runOnce(executor, "http://svc.internal:" + endpoint.port() + "/").state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(endpoint.received).hasSize(1);
    }
  }
}
