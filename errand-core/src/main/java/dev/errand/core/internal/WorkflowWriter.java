package dev.errand.core.internal;

import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.WorkflowInsert;
import dev.errand.core.spi.WorkflowInsertResult;
import dev.errand.core.workflow.Dependency;
import dev.errand.core.workflow.EnqueuedWorkflow;
import dev.errand.core.workflow.Workflow;
import dev.errand.core.workflow.WorkflowConflictException;
import dev.errand.core.workflow.WorkflowNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * Turns a {@link Workflow} into the one {@link WorkflowInsert} a store writes: each node's task resolved
 * with the same defaults as a plain enqueue, its join counter set to its number of dependencies, and a
 * fingerprint of the graph that tells a repeat of an idempotency key from a conflict. Thread-safe.
 * Internal: not public API.
 */
public final class WorkflowWriter {
  private final TaskResolver resolver;

  public WorkflowWriter(TaskResolver resolver) {
    this.resolver = resolver;
  }

  public WorkflowInsert resolve(Workflow workflow) {
    List<WorkflowInsert.Node> nodes = new ArrayList<>();
    MessageDigest digest = sha256();
    for (WorkflowNode n : workflow.nodes()) {
      nodes.add(new WorkflowInsert.Node(n.name(), waiting(resolver.resolve(n.task()), n.dependsOn().size()),
          n.dependsOn(), false));
      fingerprint(digest, n.name(), n.task(), n.dependsOn());
    }
    workflow.finallyTask().ifPresent(spec -> {
      nodes.add(new WorkflowInsert.Node(Workflow.FINALLY_NODE, waiting(resolver.resolve(spec), 1), List.of(), true));
      fingerprint(digest, Workflow.FINALLY_NODE, spec, List.of());
    });
    return new WorkflowInsert(TaskId.generate().value(), workflow.idempotencyKey(),
        HexFormat.of().formatHex(digest.digest()), nodes);
  }

  /** Writes through {@code insert} and answers; a key held by a different graph is a conflict. */
  public EnqueuedWorkflow enqueue(Workflow workflow, Function<WorkflowInsert, WorkflowInsertResult> insert) {
    WorkflowInsert resolved = resolve(workflow);
    WorkflowInsertResult result = insert.apply(resolved);
    if (!result.created() && !resolved.fingerprint().equals(result.fingerprint())) {
      throw new WorkflowConflictException(resolved.idempotencyKey(), result.id());
    }
    return new EnqueuedWorkflow(result.id(), result.nodes(), result.created());
  }

  private static NewTask waiting(NewTask t, int joinCount) {
    return new NewTask(t.id(), t.queue(), t.type(), t.payload(), t.priority(), t.runAt(), t.delay(), t.retry(),
        t.timeout(), t.idempotencyKey(), joinCount, t.kind(), t.headers());
  }

  private static void fingerprint(MessageDigest digest, String name, TaskSpec spec, List<Dependency> deps) {
    StringBuilder b = new StringBuilder().append(name).append('\0').append(spec.queue()).append('\0')
        .append(spec.type()).append('\0').append(spec.priority()).append('\0');
    deps.forEach(d -> b.append(d.node()).append(':').append(d.onFailure().wireName()).append(','));
    digest.update(b.append('\0').toString().getBytes(StandardCharsets.UTF_8));
    digest.update(spec.payload().bytesUnsafe());
    digest.update((byte) 0);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
