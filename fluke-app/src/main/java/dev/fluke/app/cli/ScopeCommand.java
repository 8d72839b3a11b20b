package dev.fluke.app.cli;

import dev.fluke.api.TargetKind;
import picocli.CommandLine.Parameters;

/**
 * A subcommand of {@code fluke suspend} or {@code fluke resume} that names its scope: {@code all},
 * {@code agent NAME} or {@code task NAME}. The subcommand's name is the scope's kind; agent and
 * task subcommands take the name through the {@link AgentName} or {@link TaskName} mixin.
 */
abstract class ScopeCommand extends ClientCommand {

  TargetKind scope() {
    return TargetKind.parse(spec.name()).orElseThrow();
  }

  /** The agent or task; null for the fleet. */
  String name() {
    return spec.positionalParameters().isEmpty()
        ? null
        : spec.positionalParameters().get(0).getValue();
  }

  /** The scope as the command line writes it: {@code all}, {@code agent web-01}. */
  String words() {
    return scope() == TargetKind.ALL ? "all" : scope().word() + " " + name();
  }

  /** The NAME of an agent scope. */
  static final class AgentName {
    @Parameters(paramLabel = "NAME", description = "The agent's name (see 'fluke get agents').")
    String value;
  }

  /** The NAME of a task scope. */
  static final class TaskName {
    @Parameters(paramLabel = "NAME", description = "The task's name (see 'fluke get tasks').")
    String value;
  }
}
