package dev.errand.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Delivery;
import com.rabbitmq.client.Envelope;
import dev.errand.core.Json;
import dev.errand.core.TaskSpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Celery and raw formats, the outbox envelope and broker URLs, without a broker. */
class ConvertersTest {
  private static Delivery delivery(String routingKey, AMQP.BasicProperties p, String body) {
    return new Delivery(new Envelope(1, false, "", routingKey), p, body.getBytes(StandardCharsets.UTF_8));
  }

  private static AMQP.BasicProperties celery(String id, String task, Object eta) {
    Map<String, Object> h = new HashMap<>();
    h.put("lang", "py");
    h.put("task", task);
    h.put("id", id);
    h.put("eta", eta);
    return new AMQP.BasicProperties.Builder().contentType("application/json").headers(h).build();
  }

  private final CeleryConverter celery = new CeleryConverter("default", 1 << 20);

  @Test
  void celeryProtocolTwoMapsNameIdArgsKwargsAndEta() {
    TaskSpec spec = celery.convert(delivery("celery", celery("0f6b1c1e-5a1d-4b0a-9c3e-1b2f3a4b5c6d", "tasks.add",
        "2030-01-02T03:04:05.123456+01:00"), "[[1, 2.50], {\"k\": \"v\"}, {\"callbacks\": null}]"));
    assertThat(spec.type()).isEqualTo("tasks.add");
    assertThat(spec.id().value()).isEqualTo("0f6b1c1e-5a1d-4b0a-9c3e-1b2f3a4b5c6d");
    assertThat(spec.payload()).isEqualTo(Json.parse("{\"args\":[1, 2.50],\"kwargs\":{\"k\": \"v\"}}"));
    assertThat(spec.runAt()).isEqualTo(Instant.parse("2030-01-02T02:04:05.123456Z"));
    TaskSpec naive = celery.convert(delivery("celery", celery("a-1", "t", "2030-01-02T03:04:05"), "[[], {}, {}]"));
    assertThat(naive.runAt()).isEqualTo(Instant.parse("2030-01-02T03:04:05Z"));
  }

  @Test
  void whatCeleryCannotMeanIsUnconvertible() {
    assertThatThrownBy(() -> celery.convert(delivery("celery", new AMQP.BasicProperties.Builder()
        .contentType("application/json").build(), "{\"task\": \"x\", \"id\": \"1\"}")))
        .isInstanceOf(UnconvertibleMessageException.class).hasMessageContaining("protocol 2");
    AMQP.BasicProperties pickle = celery("a-1", "t", null).builder().contentType("application/x-python-serialize").build();
    assertThatThrownBy(() -> celery.convert(delivery("celery", pickle, "x")))
        .isInstanceOf(UnconvertibleMessageException.class).hasMessageContaining("JSON serializer");
    assertThatThrownBy(() -> celery.convert(delivery("celery", celery("a-1", "App.Tasks.Add", null), "[[], {}, {}]")))
        .isInstanceOf(UnconvertibleMessageException.class).hasMessageContaining("App.Tasks.Add");
    assertThatThrownBy(() -> celery.convert(delivery("celery", celery("a-1", "t", "tomorrow"), "[[], {}, {}]")))
        .isInstanceOf(UnconvertibleMessageException.class).hasMessageContaining("eta");
    assertThatThrownBy(() -> celery.convert(delivery("celery", celery("a-1", "t", null), "{\"args\": []}")))
        .isInstanceOf(UnconvertibleMessageException.class).hasMessageContaining("[args, kwargs, embed]");
  }

  @Test
  void rawTakesTheTypeFromTheHeaderOrTheRoutingKeyAndKeysByMessageIdOrAHeader() {
    RawConverter raw = new RawConverter("q", Map.of("order.paid", "charge"), null, 10);
    AMQP.BasicProperties withId = new AMQP.BasicProperties.Builder().messageId("m-1").build();
    TaskSpec byKey = raw.convert(delivery("order.paid", withId, "{\"a\": 1}"));
    assertThat(byKey.type()).isEqualTo("charge");
    assertThat(byKey.idempotencyKey()).isEqualTo("m-1");
    assertThat(byKey.payload().asString()).isEqualTo("{\"a\": 1}");
    assertThatThrownBy(() -> raw.convert(delivery("other", withId, "{}")))
        .isInstanceOf(UnconvertibleMessageException.class).hasMessageContaining("routing key 'other'");
    assertThatThrownBy(() -> raw.convert(delivery("order.paid", withId, "{\"long\": 12345}")))
        .isInstanceOf(UnconvertibleMessageException.class).hasMessageContaining("over the limit of 10");
    RawConverter byHeader = new RawConverter("q", Map.of(), "x-key", 100);
    AMQP.BasicProperties keyed = new AMQP.BasicProperties.Builder().headers(Map.of("x-key", "k-9", "type", "t")).build();
    assertThat(byHeader.convert(delivery("r", keyed, "{}")).idempotencyKey()).isEqualTo("k-9");
    assertThatThrownBy(() -> byHeader.convert(delivery("r", withId, "{}")))
        .isInstanceOf(UnconvertibleMessageException.class).hasMessageContaining("no x-key header");
  }

  @Test
  void theEnvelopeGivesBackEveryByteAndField() {
    byte[] body = {0, 1, (byte) 0x80, (byte) 0xff, '"', '\\'};
    AmqpMessage m = AmqpMessage.builder("ex", "rk").body(body).contentType("application/octet-stream")
        .header("a", "1").header("b", "\"quoted\"").build();
    AmqpMessage back = OutboxPayload.decode(OutboxPayload.encode(m));
    assertThat(back.exchange()).isEqualTo("ex");
    assertThat(back.routingKey()).isEqualTo("rk");
    assertThat(back.body()).isEqualTo(body);
    assertThat(back.contentType()).isEqualTo("application/octet-stream");
    assertThat(back.headers()).isEqualTo(Map.of("a", "1", "b", "\"quoted\""));
  }

  @Test
  void urlsWithABareSlashMeanTheDefaultVirtualHostAndPasswordsAreRedacted() {
    assertThat(AmqpUrls.factory("amqp://guest:guest@127.0.0.1:5672/").getVirtualHost()).isEqualTo("/");
    assertThat(AmqpUrls.factory("amqp://u:p@h:5672/orders").getVirtualHost()).isEqualTo("orders");
    assertThat(AmqpUrls.redacted("amqp://user:secret@h:5672/")).isEqualTo("amqp://user:***@h:5672/");
    assertThatThrownBy(() -> AmqpUrls.factory("http://user:secret@h/")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("secret");
  }
}
