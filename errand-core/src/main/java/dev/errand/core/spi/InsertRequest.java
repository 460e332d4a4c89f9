package dev.errand.core.spi;

import java.util.List;

/** Tasks to insert in one round trip and one transaction: all are inserted or none. */
public record InsertRequest(List<NewTask> tasks) {
  public InsertRequest {
    tasks = List.copyOf(tasks);
  }
}
