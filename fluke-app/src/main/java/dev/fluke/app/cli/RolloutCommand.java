package dev.fluke.app.cli;

import dev.fluke.api.Dto;
import dev.fluke.app.client.ApiClient;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Staged rollouts (issue 10): {@code fluke get rollout [TASK]} shows them ({@code --watch}: until
 * none is running), {@code fluke rollout resume TASK} resumes a halted one.
 */
@Command(
    name = "rollout",
    description = "Resume a halted staged rollout (see 'fluke get rollout').",
    mixinStandardHelpOptions = true,
    subcommands = {RolloutCommand.Resume.class})
final class RolloutCommand extends GroupCommand {

  private static final Set<String> MOVING = Set.of("running", "paused");

  /** The table of rollouts, one row each. */
  static Table table(List<Dto.RolloutStatus> rollouts, java.time.Instant now) {
    Table table =
        new Table(
            "TASK",
            "COMMIT",
            "STATE",
            "STAGE",
            "DONE",
            "FAILED",
            "APPLYING",
            "WAITING",
            "NEXT",
            "MESSAGE");
    for (Dto.RolloutStatus r : rollouts) {
      table.add(
          r.task(),
          r.commit() == null ? "-" : r.commit().substring(0, Math.min(7, r.commit().length())),
          r.state(),
          r.stage(),
          r.done() + "/" + r.agents(),
          r.failed(),
          r.inProgress(),
          r.waiting(),
          r.nextStageAt() == null ? "-" : Formats.ago(r.nextStageAt(), now),
          r.haltedReason() == null ? "" : Formats.oneLine(r.haltedReason()));
    }
    return table;
  }

  @Command(
      name = "rollout",
      aliases = "rollouts",
      description = "Staged rollouts: per task its commit, stage, counts and state.",
      mixinStandardHelpOptions = true)
  static final class Get extends ClientCommand {
    @Parameters(arity = "0..1", paramLabel = "TASK", description = "Only this task's rollout.")
    String task;

    @Option(
        names = {"-w", "--watch"},
        description = "Print it again every 2 s while a rollout is running or paused.")
    boolean watch;

    @Override
    public Integer call() throws InterruptedException {
      String last = null;
      while (true) {
        List<Dto.RolloutStatus> rollouts;
        String json;
        if (task != null) {
          ApiClient.Reply<Dto.RolloutStatus> reply = client().rollout(task);
          rollouts = List.of(reply.value());
          json = reply.json();
        } else {
          ApiClient.Reply<List<Dto.RolloutStatus>> reply = client().rollouts();
          rollouts = reply.value();
          json = reply.json();
        }
        if (json()) {
          printJson(json);
        } else if (rollouts.isEmpty()) {
          out().println("No rollouts: no task in force has a rollout block.");
        } else {
          Table t = table(rollouts, now());
          java.io.StringWriter text = new java.io.StringWriter();
          t.print(new java.io.PrintWriter(text, true));
          if (!text.toString().equals(last)) {
            out().print(text);
            out().flush();
            last = text.toString();
          }
        }
        if (!watch || rollouts.stream().noneMatch(r -> MOVING.contains(r.state()))) {
          return 0;
        }
        Thread.sleep(2000);
      }
    }
  }

  @Command(
      name = "resume",
      description = "Resume a halted rollout: the next stage starts now, failures are forgotten.",
      mixinStandardHelpOptions = true)
  static final class Resume extends ClientCommand {
    @Parameters(paramLabel = "TASK", description = "The task whose rollout halted.")
    String task;

    @Override
    public Integer call() {
      ApiClient.Reply<Dto.RolloutStatus> reply = client().resumeRollout(task);
      if (json()) {
        printJson(reply.json());
        return 0;
      }
      table(List.of(reply.value()), now()).print(out());
      return 0;
    }
  }
}
