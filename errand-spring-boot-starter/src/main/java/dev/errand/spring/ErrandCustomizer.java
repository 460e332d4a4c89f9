package dev.errand.spring;

import dev.errand.core.Errand;

/**
 * Changes the {@link Errand.Builder} the starter fills from {@code errand.*} before it builds the Errand:
 * add interceptors or executors, set the ObjectMapper or a clock. Every bean of this type is applied, in
 * their {@code @Order}; the starter's own (metrics, tracing) come first. Setting a listener replaces the
 * metrics listener: combine both with {@code dev.errand.micrometer.Listeners} to keep it.
 */
@FunctionalInterface
public interface ErrandCustomizer {
  void customize(Errand.Builder builder);
}
