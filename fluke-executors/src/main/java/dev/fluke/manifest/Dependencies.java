package dev.fluke.manifest;

import dev.fluke.hcl.Diagnostics;
import dev.fluke.hcl.Names;
import dev.fluke.hcl.SourcePos;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the {@code depends_on} lists of a manifest set: every name is a task of the set, a task
 * does not depend on itself, and there is no cycle. Each error names the {@code depends_on}
 * attribute that causes it ({@code file:line:column}); a cycle is reported once, at the first task
 * of it in declaration order, with the whole loop ({@code a → b → a}).
 */
final class Dependencies {
  private Dependencies() {}

  /**
   * @param tasks the compiled tasks in declaration order
   * @param allNames every task name of the set (also of tasks that failed to compile: their own
   *     errors are reported already, a dependency on them is not "missing")
   * @param positions where each task's {@code depends_on} was written
   */
  static void check(
      List<TaskSpec> tasks,
      Set<String> allNames,
      Map<String, SourcePos> positions,
      Diagnostics diags) {
    Map<String, TaskSpec> byName = new LinkedHashMap<>();
    tasks.forEach(t -> byName.put(t.name(), t));
    boolean anyMissing = false;
    for (TaskSpec t : tasks) {
      SourcePos pos = positions.getOrDefault(t.name(), t.pos());
      List<String> seen = new ArrayList<>();
      for (String dep : t.dependsOn()) {
        if (seen.contains(dep)) {
          diags.error(pos, "task \"" + t.name() + "\" lists \"" + dep + "\" twice in depends_on");
          anyMissing = true;
        } else if (dep.equals(t.name())) {
          diags.error(pos, "task \"" + t.name() + "\" depends on itself (depends_on)");
          anyMissing = true;
        } else if (!allNames.contains(dep)) {
          diags.error(
              pos,
              "task \""
                  + t.name()
                  + "\" depends on \""
                  + dep
                  + "\", which is not a task of this manifest set"
                  + Names.suggest(dep, List.copyOf(allNames)));
          anyMissing = true;
        }
        seen.add(dep);
      }
    }
    if (anyMissing) {
      return; // cycles are looked for in a graph whose every edge is valid
    }
    Map<String, Integer> state = new HashMap<>(); // absent: new, 1: on the path, 2: done
    for (TaskSpec t : tasks) {
      List<String> cycle = findCycle(t.name(), byName, state, new ArrayList<>());
      if (cycle != null) {
        String first = firstDeclared(cycle, tasks);
        diags.error(
            positions.getOrDefault(first, byName.get(first).pos()),
            "dependency cycle: "
                + String.join(" → ", rotate(cycle, first))
                + " → "
                + first
                + "; depends_on must not loop (a task waits for its dependencies to be"
                + " satisfied first)");
        return; // one cycle at a time: fixing it may change the others
      }
    }
  }

  /** Depth-first search; returns the tasks of the first cycle found (without the repeat). */
  private static List<String> findCycle(
      String name, Map<String, TaskSpec> byName, Map<String, Integer> state, List<String> path) {
    Integer s = state.get(name);
    if (s != null && s == 2) {
      return null;
    }
    if (s != null && s == 1) {
      return new ArrayList<>(path.subList(path.indexOf(name), path.size()));
    }
    TaskSpec t = byName.get(name);
    if (t == null) {
      return null; // a task that did not compile: its errors are reported already
    }
    state.put(name, 1);
    path.add(name);
    for (String dep : t.dependsOn()) {
      List<String> c = findCycle(dep, byName, state, path);
      if (c != null) {
        return c;
      }
    }
    path.remove(path.size() - 1);
    state.put(name, 2);
    return null;
  }

  private static String firstDeclared(List<String> cycle, List<TaskSpec> tasks) {
    for (TaskSpec t : tasks) {
      if (cycle.contains(t.name())) {
        return t.name();
      }
    }
    return cycle.get(0);
  }

  private static List<String> rotate(List<String> cycle, String first) {
    int i = cycle.indexOf(first);
    List<String> out = new ArrayList<>(cycle.subList(i, cycle.size()));
    out.addAll(cycle.subList(0, i));
    return out;
  }
}
