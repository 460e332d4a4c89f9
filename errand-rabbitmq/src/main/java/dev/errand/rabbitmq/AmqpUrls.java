package dev.errand.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;
import java.util.Objects;

/** Connection factories from {@code amqp://} and {@code amqps://} URLs. */
public final class AmqpUrls {
  private AmqpUrls() {}

  /**
   * A factory for {@code url}. A URL ending in a bare {@code /} ({@code amqp://h:5672/}), which the AMQP URI
   * spec reads as the empty virtual host that no broker has, means the default virtual host {@code /}, as
   * operators mean it.
   *
   * @throws IllegalArgumentException naming the URL (without its password) if it is not one
   */
  public static ConnectionFactory factory(String url) {
    Objects.requireNonNull(url, "url");
    ConnectionFactory f = new ConnectionFactory();
    try {
      f.setUri(url);
    } catch (Exception e) {
      throw new IllegalArgumentException("not an amqp:// or amqps:// URL: " + redacted(url), e);
    }
    if (f.getVirtualHost().isEmpty()) {
      f.setVirtualHost("/");
    }
    return f;
  }

  /** {@code url} with its password, if any, replaced by {@code ***}, for logs and errors. */
  public static String redacted(String url) {
    return url.replaceFirst("(?<=://[^:/@]{0,255}:)[^@/]*(?=@)", "***");
  }
}
