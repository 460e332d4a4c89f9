package dev.errand.server.cli;

/**
 * How {@code errand server} writes its log lines to stdout: {@code plain} for people, {@code json} for log
 * shippers (one JSON object a line with {@code @timestamp}, {@code level}, {@code logger_name},
 * {@code message} and, for an exception, {@code stack_trace}).
 *
 * <p>The choice reaches the logging configuration (logback.xml) as the system properties it reads, so it
 * must be made before anything logs: logging configures itself at its first use, once.
 */
enum LogFormat {
  /** Text lines; task events (--log-events) as their bare JSON, one a line. */
  plain("plain-events"),
  /** JSON lines; task events are lines like any other, with the event's JSON as the message. */
  json("json");

  /** The logback appender of the task events in this format. */
  private final String eventsAppender;

  LogFormat(String eventsAppender) {
    this.eventsAppender = eventsAppender;
  }

  /** Routes the server's logging to stdout in this format; call before the first logger is made. */
  void apply() {
    System.setProperty("errand.log.format", name());
    System.setProperty("errand.log.events", eventsAppender);
    System.setProperty("errand.log.target", "System.out");
  }
}
