package dev.fluke.agent;

import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.OnFailure;
import dev.fluke.manifest.Selector;
import dev.fluke.manifest.TaskSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds task specs for tests; attributes script a {@link Script}'s executors (see there). */
public final class Specs {
  private Specs() {}

  public static TaskSpec task(String name, ExecutorSpec... blocks) {
    return new TaskSpec(
        name,
        "test task " + name,
        Optional.empty(),
        new Selector(Map.of()),
        List.of(blocks),
        new SourcePos("test.fluke.hcl", 1, 1));
  }

  /** A block that aborts the task when it fails; {@code kv} are attribute name/value pairs. */
  public static ExecutorSpec block(String type, String name, String... kv) {
    return block(type, name, OnFailure.ABORT, kv);
  }

  public static ExecutorSpec block(String type, String name, OnFailure onFailure, String... kv) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      attributes.put(kv[i], kv[i + 1]);
    }
    return new ExecutorSpec(
        type, name, attributes, onFailure, new SourcePos("test.fluke.hcl", 2, 3));
  }
}
