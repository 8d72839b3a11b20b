package dev.fluke.app.cli;

import dev.fluke.api.Suspension;
import dev.fluke.app.client.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code fluke resume task NAME | agent NAME | all}: ends a suspension; the agents it covered check
 * again at once and apply what drifted meanwhile. Exits 1 when the scope was not suspended.
 */
@Command(
    name = "resume",
    description = "End a suspension: the agents it covered check and apply again at once.",
    mixinStandardHelpOptions = true,
    subcommands = {ResumeCommand.All.class, ResumeCommand.Agent.class, ResumeCommand.Task.class})
final class ResumeCommand extends GroupCommand {

  /** What the three scopes share. */
  abstract static class Scope extends ScopeCommand {
    @Override
    public Integer call() {
      ApiClient.Reply<Suspension.Change> reply = client().resume(scope(), name());
      if (json()) {
        printJson(reply.json());
      } else {
        out().println("Resumed: " + reply.value().message());
      }
      return 0;
    }
  }

  @Command(name = "all", description = "Resume the whole fleet.", mixinStandardHelpOptions = true)
  static final class All extends Scope {}

  @Command(name = "agent", description = "Resume one agent.", mixinStandardHelpOptions = true)
  static final class Agent extends Scope {
    @Mixin AgentName name;
  }

  @Command(name = "task", description = "Resume one task.", mixinStandardHelpOptions = true)
  static final class Task extends Scope {
    @Mixin TaskName name;
  }
}
