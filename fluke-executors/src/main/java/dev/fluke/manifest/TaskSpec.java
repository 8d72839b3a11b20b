package dev.fluke.manifest;

import dev.fluke.hcl.SourcePos;
import java.util.List;
import java.util.Optional;

/**
 * A task: a selector plus executor blocks, run in declaration order (SPEC §1, §2).
 *
 * @param window when the server may apply it on its own ({@code window { … }}); empty = always.
 *     Server-side only: agents are never sent it.
 */
public record TaskSpec(
    String name,
    String description,
    Optional<DriftPolicy> driftPolicy,
    Selector selector,
    List<ExecutorSpec> executors,
    SourcePos pos,
    Optional<Window> window) {
  public TaskSpec {
    executors = List.copyOf(executors);
    description = description == null ? "" : description;
    window = window == null ? Optional.empty() : window;
  }

  /** A task without a maintenance window. */
  public TaskSpec(
      String name,
      String description,
      Optional<DriftPolicy> driftPolicy,
      Selector selector,
      List<ExecutorSpec> executors,
      SourcePos pos) {
    this(name, description, driftPolicy, selector, executors, pos, Optional.empty());
  }

  /** The task's own policy, or the server default. */
  public DriftPolicy effectivePolicy(DriftPolicy serverDefault) {
    return driftPolicy.orElse(serverDefault);
  }
}
