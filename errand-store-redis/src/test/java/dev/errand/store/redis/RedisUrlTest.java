package dev.errand.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.store.redis.internal.RedisUrl;
import io.lettuce.core.SslVerifyMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The URL forms the README promises: Errand's options taken out, the rest (and a Sentinel's #name) left to Lettuce. */
class RedisUrlTest {
  @Test
  void sentinelPrimaryNameAfterTheOptionsStaysWithTheUrl() {
    RedisUrl url = RedisUrl.parse("redis-sentinel://127.0.0.1:26379,127.0.0.1:26380/2?prefix=billing&timeout=5s"
        + "&durability=relaxed#mymaster");
    assertThat(url.prefix()).isEqualTo("billing");
    assertThat(url.durability()).isEqualTo(Durability.RELAXED);
    assertThat(url.uri().getSentinelMasterId()).isEqualTo("mymaster");
    assertThat(url.uri().getSentinels()).hasSize(2);
    assertThat(url.uri().getDatabase()).isEqualTo(2);
    assertThat(url.uri().getTimeout()).isEqualTo(Duration.ofSeconds(5));

    RedisUrl plain = RedisUrl.parse("redis-sentinel://127.0.0.1:26379/0#mymaster");
    assertThat(plain.prefix()).isEqualTo(RedisUrl.DEFAULT_PREFIX);
    assertThat(plain.uri().getSentinelMasterId()).isEqualTo("mymaster");
  }

  @Test
  void tlsOptions(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.crt"), "not read until the store connects");
    RedisUrl url = RedisUrl.parse("rediss://cache:6380/0?verifyPeer=CA&cacert=" + ca);
    assertThat(url.uri().isSsl()).isTrue();
    assertThat(url.uri().getVerifyMode()).isEqualTo(SslVerifyMode.CA);
    assertThat(url.caCert()).isEqualTo(ca);
    assertThat(RedisUrl.parse("rediss://cache:6380/0").uri().getVerifyMode()).isEqualTo(SslVerifyMode.FULL);
    assertThat(RedisUrl.parse("rediss://cache:6380/0").caCert()).isNull();

    assertThatThrownBy(() -> RedisUrl.parse("rediss://cache:6380/0?cacert=" + dir.resolve("missing.crt")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cacert");
    // Lettuce's verifyPeer takes NONE, CA or FULL, not true or false.
    assertThatThrownBy(() -> RedisUrl.parse("rediss://cache:6380/0?verifyPeer=false"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("verifyPeer=false");
  }
}
