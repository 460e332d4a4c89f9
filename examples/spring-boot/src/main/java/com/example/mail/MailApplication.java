package com.example.mail;

import dev.errand.core.Errand;
import dev.errand.core.TaskSpec;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application with Errand: the handlers are {@link MailHandlers}' methods, the store and
 * queues come from {@code application.properties}. At start it enqueues two emails; the workers send
 * them, and a nightly digest runs on its schedule. Stop it with Ctrl-C: running tasks finish or are
 * released within the shutdown phase.
 */
@SpringBootApplication
public class MailApplication {
  public static void main(String[] args) {
    SpringApplication.run(MailApplication.class, args);
  }

  @Bean
  CommandLineRunner enqueueSome(Errand errand) {
    return args -> {
      errand.enqueue(TaskSpec.of("send_email", new Email("ada@example.com", "Welcome")));
      errand.enqueue(TaskSpec.of("send_email", new Email("not-an-address", "Bounces")));
    };
  }
}
