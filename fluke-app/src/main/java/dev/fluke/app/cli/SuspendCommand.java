package dev.fluke.app.cli;

import dev.fluke.api.Suspension;
import dev.fluke.app.client.ApiClient;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fluke suspend task NAME | agent NAME | all --reason WHY [--for 2h]}: nothing in the scope
 * is applied (checks go on, drift stays visible) until {@code fluke resume} or the expiry; a manual
 * reconcile applies only with {@code --force}. The server records who (the token's identity, with
 * {@code --by} or $USER in front) and why.
 */
@Command(
    name = "suspend",
    description =
        "Stop applying in a scope (a task, an agent, or all): checks go on, nothing is applied"
            + " until 'fluke resume' or --for runs out.",
    mixinStandardHelpOptions = true,
    subcommands = {SuspendCommand.All.class, SuspendCommand.Agent.class, SuspendCommand.Task.class})
final class SuspendCommand extends GroupCommand {

  /** The options shared by the three scopes. */
  abstract static class Scope extends ScopeCommand {
    @Option(
        names = "--reason",
        required = true,
        paramLabel = "WHY",
        description = "Why (required): shown in the UI, the CLI and the events.")
    String reason;

    @Option(
        names = "--for",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        description = "End by itself after this long, e.g. 30m, 2h, 1d (default: until resumed).")
    Duration forHowLong;

    @Option(
        names = "--by",
        paramLabel = "NAME",
        description = "Who you are, for the record (default: $USER).")
    String by;

    @Override
    public Integer call() {
      String who = by != null ? by : root().env().get("USER");
      ApiClient.Reply<Suspension.Change> reply =
          client()
              .suspend(
                  scope(),
                  name(),
                  reason,
                  forHowLong == null ? null : dev.fluke.hcl.Durations.format(forHowLong),
                  who);
      if (json()) {
        printJson(reply.json());
      } else {
        out().println("Suspended: " + reply.value().message());
        out()
            .println(
                "Checks go on; nothing is applied there until 'fluke resume "
                    + words()
                    + "'"
                    + (forHowLong == null ? "" : " or the expiry")
                    + " (a manual reconcile applies with --force).");
      }
      return 0;
    }
  }

  @Command(name = "all", description = "Suspend the whole fleet.", mixinStandardHelpOptions = true)
  static final class All extends Scope {}

  @Command(name = "agent", description = "Suspend one agent.", mixinStandardHelpOptions = true)
  static final class Agent extends Scope {
    @Mixin AgentName name;
  }

  @Command(
      name = "task",
      description = "Suspend one task on every agent.",
      mixinStandardHelpOptions = true)
  static final class Task extends Scope {
    @Mixin TaskName name;
  }
}
