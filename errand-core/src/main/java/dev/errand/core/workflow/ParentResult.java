package dev.errand.core.workflow;

import dev.errand.core.Json;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;

/**
 * What a dependant sees of one of its parents: its node name, task id, state, result (null unless it
 * succeeded with one) and last error (null unless it failed). A parent pruned from the store shows with
 * a null state.
 */
public record ParentResult(String name, TaskId id, TaskState state, Json result, String error) {}
