package dev.errand.store.redis;

import static dev.errand.core.testkit.NewTasks.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.errand.core.spi.InsertRequest;
import dev.errand.store.redis.internal.DurabilityCheck;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The store reads the server's persistence settings at start and holds them against its durability
 * option: strict starts only when every write is fsynced before it is acknowledged, relaxed starts with
 * a warning naming what a crash loses, none checks nothing; where CONFIG is refused, the store says so.
 * Each test starts its own redis-server with the settings it needs.
 */
class RedisDurabilityTest {
  private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
  private RedisServer server;

  @BeforeEach
  void captureWarnings() {
    warnings.start();
    ((Logger) LoggerFactory.getLogger(DurabilityCheck.class)).addAppender(warnings);
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(DurabilityCheck.class)).detachAppender(warnings);
    if (server != null) {
      server.close();
    }
  }

  private List<String> warned() {
    return warnings.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Test
  void strictIsTheDefaultAndStartsWhenEveryWriteIsFsyncedBeforeItIsAcknowledged() {
    server = RedisServer.started("--appendonly", "yes", "--appendfsync", "always");
    try (RedisStore store = RedisStore.of(server.url(""))) {
      store.insertMany(new InsertRequest(List.of(task("q").build())));
    }
    assertThat(warned()).isEmpty();
  }

  @Test
  void strictRefusesAServerWithoutAnAppendOnlyFile() {
    server = RedisServer.started("--appendonly", "no");
    assertThatThrownBy(() -> RedisStore.of(server.url("durability=strict"))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("appendonly is no").hasMessageContaining("durability=relaxed");
  }

  @Test
  void strictRefusesAServerThatFsyncsOnlyEverySecond() {
    server = RedisServer.started("--appendonly", "yes", "--appendfsync", "everysec");
    assertThatThrownBy(() -> RedisStore.of(server.url(""))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("appendfsync is everysec").hasMessageContaining("about a second");
  }

  @Test
  void relaxedStartsWithAWarningThatNamesWhatCanBeLost() {
    server = RedisServer.started("--appendonly", "yes", "--appendfsync", "everysec");
    try (RedisStore store = RedisStore.of(server.url("durability=relaxed"))) {
      store.ping();
    }
    assertThat(warned()).singleElement().asString().contains("durability=relaxed")
        .contains("up to about a second of acknowledged writes is lost");
  }

  @Test
  void relaxedWarnsThatWithoutPersistenceEverythingIsLostOnARestart() {
    server = RedisServer.started("--appendonly", "no");
    try (RedisStore store = RedisStore.of(server.url("durability=relaxed"))) {
      store.ping();
    }
    assertThat(warned()).singleElement().asString().contains("appendonly is no").contains("lost when Redis restarts");
  }

  @Test
  void noneChecksNothing() {
    server = RedisServer.started("--appendonly", "no", "--rename-command", "CONFIG", "");
    try (RedisStore store = RedisStore.of(server.url("durability=none"))) {
      store.ping();
    }
    assertThat(warned()).isEmpty();
  }

  @Test
  void whereConfigIsRefusedStrictSaysSoAndRefusesToStart() {
    server = RedisServer.started("--appendonly", "yes", "--appendfsync", "always", "--rename-command", "CONFIG", "");
    assertThatThrownBy(() -> RedisStore.of(server.url(""))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot read the Redis server's persistence settings")
        .hasMessageContaining("durability=relaxed");
  }

  @Test
  void whereConfigIsRefusedRelaxedSaysSoAndStarts() {
    server = RedisServer.started("--appendonly", "yes", "--appendfsync", "always", "--rename-command", "CONFIG", "");
    try (RedisStore store = RedisStore.of(server.url("durability=relaxed"))) {
      store.insertMany(new InsertRequest(List.of(task("q").build())));
    }
    assertThat(warned()).singleElement().asString().contains("cannot read the Redis server's persistence settings")
        .contains("following durability=relaxed");
  }

  @Test
  void aBadDurabilityOptionIsRefusedNamingIt() {
    assertThatThrownBy(() -> RedisStore.of("redis://127.0.0.1:1/0?durability=sometimes"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("durability must be strict, relaxed or none")
        .hasMessageContaining("sometimes");
  }
}
