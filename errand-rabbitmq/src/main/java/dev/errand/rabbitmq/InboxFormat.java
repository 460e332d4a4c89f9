package dev.errand.rabbitmq;

/** The message formats the inbox reads without a converter of one's own. */
public enum InboxFormat {
  /** Celery's message protocol 2 with the JSON serializer: see {@link CeleryConverter}. */
  CELERY,
  /** The body as the payload, the type from a header or the routing key: see {@link RawConverter}. */
  RAW
}
