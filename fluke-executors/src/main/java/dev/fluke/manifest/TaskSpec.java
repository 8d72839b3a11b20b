package dev.fluke.manifest;

import dev.fluke.hcl.SourcePos;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A task: a selector plus executor blocks, run in declaration order (SPEC §1, §2).
 *
 * @param window when the server may apply it on its own ({@code window { … }}); empty = always.
 *     Server-side only: agents are never sent it.
 * @param dependsOn tasks that must be satisfied on an agent before this one is applied there
 *     ({@code depends_on}); validated by the loader (names exist, no cycle)
 * @param flapLimit the task's own flap guard ({@code drift { max_remediations period }}), or empty
 *     for the server default
 * @param rollout the task's staged rollout of new commits ({@code rollout { … }}), or empty for the
 *     server default
 */
public record TaskSpec(
    String name,
    String description,
    Optional<DriftPolicy> driftPolicy,
    Selector selector,
    List<ExecutorSpec> executors,
    SourcePos pos,
    Optional<Window> window,
    List<String> dependsOn,
    Optional<FlapLimit> flapLimit,
    Optional<RolloutSpec> rollout) {
  public TaskSpec {
    executors = List.copyOf(executors);
    description = description == null ? "" : description;
    window = window == null ? Optional.empty() : window;
    dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
    flapLimit = Objects.requireNonNullElse(flapLimit, Optional.empty());
    rollout = Objects.requireNonNullElse(rollout, Optional.empty());
  }

  /** A task without window, dependencies, flap guard or rollout of its own. */
  public TaskSpec(
      String name,
      String description,
      Optional<DriftPolicy> driftPolicy,
      Selector selector,
      List<ExecutorSpec> executors,
      SourcePos pos) {
    this(name, description, driftPolicy, selector, executors, pos, Optional.empty());
  }

  /** A task with a maintenance window only. */
  public TaskSpec(
      String name,
      String description,
      Optional<DriftPolicy> driftPolicy,
      Selector selector,
      List<ExecutorSpec> executors,
      SourcePos pos,
      Optional<Window> window) {
    this(
        name,
        description,
        driftPolicy,
        selector,
        executors,
        pos,
        window,
        List.of(),
        Optional.empty(),
        Optional.empty());
  }

  /** A task without a maintenance window. */
  public TaskSpec(
      String name,
      String description,
      Optional<DriftPolicy> driftPolicy,
      Selector selector,
      List<ExecutorSpec> executors,
      SourcePos pos,
      List<String> dependsOn,
      Optional<FlapLimit> flapLimit,
      Optional<RolloutSpec> rollout) {
    this(
        name,
        description,
        driftPolicy,
        selector,
        executors,
        pos,
        Optional.empty(),
        dependsOn,
        flapLimit,
        rollout);
  }

  /** The task's own policy, or the server default. */
  public DriftPolicy effectivePolicy(DriftPolicy serverDefault) {
    return driftPolicy.orElse(serverDefault);
  }

  /** The task's own flap guard, or the server default. */
  public FlapLimit effectiveFlapLimit(FlapLimit serverDefault) {
    return flapLimit.orElse(serverDefault);
  }
}
