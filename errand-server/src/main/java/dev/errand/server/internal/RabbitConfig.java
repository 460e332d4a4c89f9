package dev.errand.server.internal;

import dev.errand.core.Names;
import dev.errand.core.TaskSpec;
import dev.errand.rabbitmq.AmqpUrls;
import dev.errand.rabbitmq.InboxFormat;
import dev.errand.rabbitmq.Queues;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The config file's {@code rabbitmq} section: the broker, the inboxes (queues read into tasks) and the
 * outbox relay (which publishes {@code POST /v1/messages} and library outbox messages). Immutable.
 *
 * <pre>{@code
 * {"rabbitmq": {"url": "amqp://guest:guest@127.0.0.1:5672/",
 *               "inbox": [{"queue": "orders", "format": "celery", "taskQueue": "default"}],
 *               "outbox": {"concurrency": 4}}}
 * }</pre>
 */
public record RabbitConfig(String url, List<InboxConfig> inbox, int outboxConcurrency, int outboxBatchSize) {
  public RabbitConfig {
    inbox = List.copyOf(inbox);
  }

  /**
   * One inbox: the RabbitMQ queue, its format, the Errand queue its tasks go to, and the optional tuning.
   *
   * @param routingKeyTypes for {@code raw}: types by routing key, for messages without a {@code type} header
   * @param idempotencyHeader for {@code raw}: the header keying a message, null for its message-id
   */
  public record InboxConfig(String queue, InboxFormat format, String taskQueue, int prefetch, int batchSize,
      boolean declare, int deliveryLimit, Map<String, String> routingKeyTypes, String idempotencyHeader) {
    public InboxConfig {
      routingKeyTypes = Map.copyOf(routingKeyTypes);
    }
  }

  /** Reads the section, recording every bad field in {@code errors}; null when any was bad. */
  static RabbitConfig read(JsonFields r, FieldErrors errors) {
    int before = errors.size();
    r.rejectUnknown(Set.of("url", "inbox", "outbox"), errors);
    String url = r.string("url", errors);
    if (url == null) {
      errors.add(r.field("url"), "is required");
    } else {
      try {
        AmqpUrls.factory(url);
      } catch (IllegalArgumentException e) {
        errors.add(r.field("url"), "must be an amqp:// or amqps:// URL");
      }
    }
    List<InboxConfig> inboxes = new ArrayList<>();
    List<JsonFields> list = r.objects("inbox", errors);
    if (list != null) {
      for (JsonFields i : list) {
        InboxConfig c = inbox(i, errors);
        if (c != null) {
          inboxes.add(c);
        }
      }
    }
    int concurrency = 1;
    int batchSize = 500;
    JsonFields o = r.object("outbox", errors);
    if (o != null) {
      o.rejectUnknown(Set.of("concurrency", "batchSize"), errors);
      concurrency = orDefault(o.integer("concurrency", 1, 64, errors), concurrency);
      batchSize = orDefault(o.integer("batchSize", 1, 10_000, errors), batchSize);
    }
    return errors.size() > before ? null : new RabbitConfig(url, inboxes, concurrency, batchSize);
  }

  private static InboxConfig inbox(JsonFields i, FieldErrors errors) {
    int before = errors.size();
    i.rejectUnknown(Set.of("queue", "format", "taskQueue", "prefetch", "batchSize", "declare", "deliveryLimit",
        "routingKeyTypes", "idempotencyHeader"), errors);
    String queue = i.string("queue", errors);
    if (queue == null || queue.isEmpty() || queue.getBytes(StandardCharsets.UTF_8).length > 255) {
      errors.add(i.field("queue"), "is required, 1..255 bytes");
    }
    String formatText = i.string("format", errors);
    InboxFormat format = InboxFormat.RAW;
    if (formatText != null) {
      if (formatText.equals("celery") || formatText.equals("raw")) {
        format = InboxFormat.valueOf(formatText.toUpperCase(Locale.ROOT));
      } else {
        errors.add(i.field("format"), "must be celery or raw");
      }
    }
    String taskQueue = i.string("taskQueue", errors);
    if (taskQueue == null) {
      taskQueue = TaskSpec.DEFAULT_QUEUE;
    } else if (!Names.isValid(taskQueue)) {
      errors.add(i.field("taskQueue"), "must match " + Names.PATTERN);
    }
    Map<String, String> types = new LinkedHashMap<>();
    JsonFields t = i.object("routingKeyTypes", errors);
    if (t != null) {
      for (String key : t.names()) {
        String type = t.string(key, errors);
        if (type == null || !Names.isValid(type)) {
          errors.add(t.field(key), "must be a task type matching " + Names.PATTERN);
        } else {
          types.put(key, type);
        }
      }
    }
    int prefetch = orDefault(i.integer("prefetch", 1, 65_535, errors), 1000);
    int batchSize = orDefault(i.integer("batchSize", 1, 10_000, errors), 500);
    int deliveryLimit = orDefault(i.integer("deliveryLimit", 1, 1000, errors), Queues.DEFAULT_DELIVERY_LIMIT);
    Boolean declare = i.bool("declare", errors);
    String idempotencyHeader = i.string("idempotencyHeader", errors);
    return errors.size() > before ? null : new InboxConfig(queue, format, taskQueue, prefetch, batchSize,
        declare == null || declare, deliveryLimit, types, idempotencyHeader);
  }

  private static int orDefault(Integer value, int otherwise) {
    return value == null ? otherwise : value;
  }
}
