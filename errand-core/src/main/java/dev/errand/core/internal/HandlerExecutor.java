package dev.errand.core.internal;

import dev.errand.core.Json;
import dev.errand.core.TaskContext;
import dev.errand.core.TaskExecutor;
import dev.errand.core.spi.Completion;

/**
 * The executor of kind {@code handler}: decodes the payload for the handler registered for the task's
 * type, calls it, and encodes its result. A type without a handler here, or a payload that does not
 * decode, ends the task DEAD (running it again would not help); what the handler throws goes up the chain
 * to the failure mapping. Internal: not public API.
 */
final class HandlerExecutor implements TaskExecutor {
  private final HandlerRegistry handlers;
  private final String workerId;

  HandlerExecutor(HandlerRegistry handlers, String workerId) {
    this.handlers = handlers;
    this.workerId = workerId;
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Completion.Outcome execute(TaskContext context) throws Exception {
    String type = context.task().type();
    HandlerRegistry.Registered registered = handlers.find(type);
    if (registered == null) {
      return new Completion.Dead("no handler for type " + type + " on worker " + workerId);
    }
    Object payload;
    try {
      payload = handlers.decode(registered, context.task().payload());
    } catch (Exception ex) {
      return new Completion.Dead("payload does not decode as " + registered.payloadType().getName() + ": "
          + Failures.truncate(String.valueOf(ex.getMessage())));
    }
    Object result = registered.handler().handle(context, payload);
    return new Completion.Succeeded(result == null ? null
        : result instanceof Json json ? json : Json.encode(result, handlers.mapper()));
  }
}
