package dev.errand.server.httptarget;

import dev.errand.core.Errand;
import dev.errand.httptarget.HttpTarget;
import dev.errand.httptarget.HttpTargetExecutor;
import dev.errand.httptarget.TargetPolicy;
import dev.errand.httptarget.WebhookSigner;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the server runs itself: the queues whose tasks of kind {@value HttpTarget#KIND} it calls, each with
 * its concurrency on this server (the queue's limits in the store cap it across servers as for any
 * worker), the address policy, the signing keys and how many redirects an attempt follows. A task of
 * another kind sent to one of these queues ends DEAD here ("no handler"): the queues are the targets'.
 * Immutable.
 */
public record TargetRuntime(Map<String, Integer> queues, TargetPolicy policy, WebhookSigner signer, int maxRedirects) {
  /** Runs nothing: the server stores tasks only. */
  public static final TargetRuntime NONE = new TargetRuntime(Map.of(), TargetPolicy.DEFAULT, null, 0);

  public TargetRuntime {
    queues = Map.copyOf(queues);
    Objects.requireNonNull(policy, "policy");
  }

  /**
   * Reads {@code --target-queues}: queue names separated by commas, each with an optional
   * {@code :CONCURRENCY} ({@code http,webhooks:16}); a queue without one gets {@code concurrency}.
   */
  public static Map<String, Integer> parseQueues(String spec, int concurrency) {
    Map<String, Integer> queues = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return queues;
    }
    for (String item : spec.split(",")) {
      String s = item.trim();
      if (s.isEmpty()) {
        continue;
      }
      int colon = s.indexOf(':');
      String name = colon < 0 ? s : s.substring(0, colon);
      int n;
      try {
        n = colon < 0 ? concurrency : Integer.parseInt(s.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--target-queues: the concurrency of " + name + " is not a number: " + s);
      }
      if (queues.put(name, n) != null) {
        throw new IllegalArgumentException("--target-queues: queue " + name + " is named twice");
      }
    }
    return queues;
  }

  /** Adds the target queues and the http executor to {@code builder}, metered into {@code registry}. */
  public Errand.Builder applyTo(Errand.Builder builder, MeterRegistry registry) {
    if (queues.isEmpty()) {
      return builder.runWorkers(false);
    }
    queues.forEach(builder::queue);
    // As many idle keep-alive connections as requests can be in flight: with fewer, a busy target's
    // connections are closed after each burst and opened again (a TCP handshake, and TLS, a request).
    int inFlight = queues.values().stream().mapToInt(Integer::intValue).sum();
    HttpTargetExecutor executor = HttpTargetExecutor.builder().policy(policy).signer(signer).maxRedirects(maxRedirects)
        .maxIdleConnections(Math.max(inFlight, 1)).observer(new TargetMetrics(registry)).build();
    return builder.executor(HttpTarget.KIND, executor).runWorkers(true);
  }
}
