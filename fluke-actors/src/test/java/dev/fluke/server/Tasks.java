package dev.fluke.server;

import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.OnFailure;
import dev.fluke.manifest.Selector;
import dev.fluke.manifest.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Task specs for tests of the engine's pure parts. */
final class Tasks {
  private Tasks() {}

  /** Task {@code name} of {@code policy} (null: the server default) with blocks "type:name". */
  static TaskSpec spec(String name, DriftPolicy policy, String... execs) {
    List<ExecutorSpec> list = new ArrayList<>();
    for (String e : execs) {
      String[] tn = e.split(":");
      list.add(new ExecutorSpec(tn[0], tn[1], Map.of(), OnFailure.ABORT, SourcePos.UNKNOWN));
    }
    return new TaskSpec(
        name,
        "",
        Optional.ofNullable(policy),
        new Selector(Map.of("role", "web")),
        list,
        SourcePos.UNKNOWN);
  }

  /** The same task depending on {@code deps}. */
  static TaskSpec dependingOn(TaskSpec t, String... deps) {
    return new TaskSpec(
        t.name(),
        t.description(),
        t.driftPolicy(),
        t.selector(),
        t.executors(),
        t.pos(),
        List.of(deps),
        t.flapLimit(),
        t.rollout());
  }
}
