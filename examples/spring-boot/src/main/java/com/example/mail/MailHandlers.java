package com.example.mail;

import dev.errand.core.TaskContext;
import dev.errand.core.TaskFailure;
import dev.errand.spring.ErrandHandler;
import dev.errand.spring.ErrandSchedule;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Errand handlers are methods of ordinary beans. */
@Component
public class MailHandlers {
  private static final Logger log = LoggerFactory.getLogger(MailHandlers.class);

  /** Retried up to 5 times with backoff; an address without {@code @} is dead at once. */
  @ErrandHandler(value = "send_email", maxAttempts = 5, timeout = "30s")
  public Map<String, Object> send(Email email, TaskContext task) {
    if (!email.to().contains("@")) {
      throw TaskFailure.permanent("not an email address: " + email.to());
    }
    log.info("sending '{}' to {} (task {}, attempt {})", email.subject(), email.to(), task.id(), task.attempt());
    return Map.of("sent", true);
  }

  /** Once a day at 07:00 in the zone of errand.schedule-zone, on one node of however many run. */
  @ErrandHandler(value = "daily_digest", queue = "reports")
  @ErrandSchedule(cron = "0 7 * * *")
  public void digest() {
    log.info("building the daily digest");
  }
}
