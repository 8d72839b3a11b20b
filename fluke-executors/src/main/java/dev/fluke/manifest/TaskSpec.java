package dev.fluke.manifest;

import dev.fluke.hcl.SourcePos;
import java.util.List;
import java.util.Optional;

/** A task: a selector plus executor blocks, run in declaration order (SPEC §1, §2). */
public record TaskSpec(
    String name,
    String description,
    Optional<DriftPolicy> driftPolicy,
    Selector selector,
    List<ExecutorSpec> executors,
    SourcePos pos) {
  public TaskSpec {
    executors = List.copyOf(executors);
    description = description == null ? "" : description;
  }

  /** The task's own policy, or the server default. */
  public DriftPolicy effectivePolicy(DriftPolicy serverDefault) {
    return driftPolicy.orElse(serverDefault);
  }
}
