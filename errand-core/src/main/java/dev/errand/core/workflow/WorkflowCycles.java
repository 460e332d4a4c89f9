package dev.errand.core.workflow;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** Finds a cycle in a dependency graph by Kahn's algorithm: what is never freed of its parents is in or after one. */
final class WorkflowCycles {
  private WorkflowCycles() {}

  /** A node on a cycle, or -1 if there is none; {@code parents.get(i)} lists node i's parents. */
  static int nodeInCycle(List<int[]> parents) {
    int n = parents.size();
    int[] pending = new int[n];
    int[][] children = new int[n][];
    int[] childCount = new int[n];
    for (int[] ps : parents) {
      for (int p : ps) {
        childCount[p]++;
      }
    }
    for (int i = 0; i < n; i++) {
      children[i] = new int[childCount[i]];
      childCount[i] = 0;
    }
    Deque<Integer> free = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      pending[i] = parents.get(i).length;
      for (int p : parents.get(i)) {
        children[p][childCount[p]++] = i;
      }
      if (pending[i] == 0) {
        free.add(i);
      }
    }
    int freed = 0;
    while (!free.isEmpty()) {
      int i = free.poll();
      freed++;
      for (int c : children[i]) {
        if (--pending[c] == 0) {
          free.add(c);
        }
      }
    }
    if (freed == n) {
      return -1;
    }
    // Walk back through parents still pending from a blocked node until a node repeats: that one is on a cycle.
    boolean[] visited = new boolean[n];
    int i = 0;
    while (pending[i] == 0) {
      i++;
    }
    while (!visited[i]) {
      visited[i] = true;
      for (int p : parents.get(i)) {
        if (pending[p] > 0) {
          i = p;
          break;
        }
      }
    }
    return i;
  }
}
