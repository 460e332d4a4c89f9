package dev.errand.core.schedule;

/** Where a node's schedule comes from, which decides who may change it and where it lives. */
public enum ScheduleSource {
  /**
   * Registered in this process with {@code Errand#schedule} (by code, or by the server from its config
   * file): every node registers its own, it lives in memory, and only the code changes it.
   */
  CODE,

  /**
   * Put with {@code Errand#putSchedule} (over HTTP, for instance) and kept in the store: every node on
   * the store runs it, and it outlives restarts.
   */
  STORE
}
