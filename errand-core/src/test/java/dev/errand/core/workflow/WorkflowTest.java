package dev.errand.core.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.InvalidTaskException;
import dev.errand.core.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shapes compose into the graph they say, and the general form refuses bad graphs naming the node. */
class WorkflowTest {
  private static TaskSpec spec(String type) {
    return TaskSpec.of(type, 1);
  }

  private static List<String> deps(WorkflowNode n) {
    return n.dependsOn().stream().map(Dependency::node).toList();
  }

  @Test
  void chainOfGroupsJoinsEveryTailToEveryHead() {
    Workflow w = Workflow.chain(Workflow.task(spec("a")), Workflow.group(spec("b"), spec("c")), Workflow.task(spec("d")));
    List<WorkflowNode> nodes = w.nodes();
    assertThat(nodes).extracting(WorkflowNode::name).containsExactly("0", "1", "2", "3");
    assertThat(deps(nodes.get(0))).isEmpty();
    assertThat(deps(nodes.get(1))).containsExactly("0");
    assertThat(deps(nodes.get(2))).containsExactly("0");
    assertThat(deps(nodes.get(3))).containsExactly("1", "2");
  }

  @Test
  void chordCallbackWaitsForTheGroupInOrderWithItsPolicy() {
    Workflow w = Workflow.chord(Workflow.group(spec("a"), spec("b"), spec("c")), spec("cb"), OnFailure.CONTINUE);
    WorkflowNode cb = w.nodes().getLast();
    assertThat(cb.dependsOn()).containsExactly(Dependency.after("0"), Dependency.after("1"), Dependency.after("2"));
  }

  @Test
  void chordsCompose() {
    Workflow inner = Workflow.chord(Workflow.group(spec("a"), spec("b")), spec("sum"));
    Workflow w = Workflow.chain(Workflow.task("start", spec("s")), inner);
    assertThat(w.nodes()).extracting(WorkflowNode::name).containsExactly("start", "1", "2", "3");
    assertThat(deps(w.nodes().get(1))).containsExactly("start");
    assertThat(deps(w.nodes().get(3))).containsExactly("1", "2");
  }

  @Test
  void generalFormRefusesCyclesUnknownNodesAndRepeatsNamingTheNode() {
    assertThatThrownBy(() -> Workflow.builder().node("a", spec("a"), "c").node("b", spec("b"), "a")
        .node("c", spec("c"), "b").node("d", spec("d")).build())
        .isInstanceOfSatisfying(InvalidTaskException.class, e -> {
          assertThat(e.errors()).hasSize(1);
          assertThat(e.errors().getFirst().field()).matches("nodes\\[[012]\\]\\.dependsOn");
          assertThat(e.errors().getFirst().message()).contains("dependency cycle");
        });
    assertThatThrownBy(() -> Workflow.builder().node("a", spec("a"), "ghost").build())
        .isInstanceOfSatisfying(InvalidTaskException.class, e -> assertThat(e.errors().getFirst())
            .extracting(f -> f.field() + " " + f.message())
            .isEqualTo("nodes[0].dependsOn node a depends on unknown node ghost"));
    assertThatThrownBy(() -> Workflow.builder().node("a", spec("a")).node("a", spec("b")).build())
        .isInstanceOfSatisfying(InvalidTaskException.class, e ->
            assertThat(e.errors().getFirst().field()).isEqualTo("nodes[1].name"));
    assertThatThrownBy(() -> Workflow.builder().node("a", spec("a"), "a").build())
        .isInstanceOf(InvalidTaskException.class).hasMessageContaining("cycle");
  }

  @Test
  void aWorkflowHoldsAtMostTenThousandNodes() {
    List<TaskSpec> many = new ArrayList<>();
    for (int i = 0; i < Workflow.MAX_NODES; i++) {
      many.add(spec("t"));
    }
    assertThat(Workflow.group(many).nodes()).hasSize(Workflow.MAX_NODES);
    assertThatThrownBy(() -> Workflow.group(many).withFinally(spec("f")).nodes())
        .isInstanceOf(InvalidTaskException.class).hasMessageContaining("at most 10000");
  }

  @Test
  void nodeTasksTakeNoKeyAndComposedStepsNoFinally() {
    assertThatThrownBy(() -> Workflow.chain(spec("a").idempotencyKey("k")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idempotency key");
    Workflow withFinally = Workflow.chain(spec("a")).withFinally(spec("f"));
    assertThatThrownBy(() -> Workflow.chain(withFinally, Workflow.task(spec("b"))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
