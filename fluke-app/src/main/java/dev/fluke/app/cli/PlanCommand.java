package dev.fluke.app.cli;

import dev.fluke.api.PlanResult;
import dev.fluke.app.client.ApiClient;
import dev.fluke.manifest.ManifestError;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fluke plan --ref BRANCH_OR_SHA [--timeout 1m] [-o json]}: what merging that ref of the
 * manifest repository would do ({@code POST /api/v1/plan}). The server loads the ref's manifests
 * without putting them in force and runs only the checks of its new and changed tasks on the
 * connected agents they would match; nothing is applied. Prints per task and agent {@code would
 * apply}, {@code no change}, {@code error}, {@code not connected} or {@code timed out}, the tasks
 * removed and the agents that gain or lose tasks. Exit codes, for a pull-request check: 0 no
 * change, 2 changes, 1 errors (a ref that does not load, a check that failed or got no answer).
 */
@Command(
    name = "plan",
    description =
        "Show what merging a ref of the manifest repository would do (checks only, nothing is"
            + " applied). Exit 0: no change, 2: changes, 1: errors.",
    mixinStandardHelpOptions = true)
final class PlanCommand extends ClientCommand {

  @Option(
      names = "--ref",
      required = true,
      paramLabel = "REF",
      description =
          "A branch, tag, full ref (refs/pull/12/head) or commit id of the manifest repository.")
  String ref;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long the server waits for the agents' checks, at most 10m (default: 1m); agents"
              + " that did not answer are 'timed out'.")
  Duration timeout;

  @Override
  public Integer call() {
    ApiClient.Reply<PlanResult> reply = client().plan(ref, timeout);
    PlanResult plan = reply.value();
    if (json()) {
      printJson(reply.json());
    } else {
      print(plan);
    }
    out().flush();
    return plan.verdict().exitCode();
  }

  private void print(PlanResult p) {
    String commit = p.commit() == null ? "" : " (commit " + short10(p.commit()) + ")";
    String inForce = p.inForce() == null ? "nothing in force" : short10(p.inForce()) + " in force";
    out().println("Plan of " + p.ref() + commit + " against " + inForce + ": " + words(p));
    if (p.error() != null) {
      out().println("error: " + p.error());
      for (ManifestError e : p.errors()) {
        out().println("  " + e.format());
      }
      return;
    }
    Table tasks = new Table("TASK", "CHANGE", "AGENT", "RESULT", "MESSAGE");
    int unchanged = 0;
    for (PlanResult.PlanTask t : p.tasks()) {
      switch (t.change()) {
        case UNCHANGED -> unchanged++;
        case REMOVED -> tasks.add(t.name(), "removed", null, null, "no longer reconciled");
        default -> {
          if (t.agents().isEmpty()) {
            tasks.add(t.name(), t.change().word(), null, null, "matches no known agent");
          }
          for (PlanResult.AgentCheck c : t.agents()) {
            tasks.add(t.name(), t.change().word(), c.agent(), c.result().words(), c.message());
          }
        }
      }
    }
    out().println();
    if (tasks.isEmpty()) {
      out().println("No task is new, changed or removed.");
    } else {
      tasks.print(out());
    }
    if (unchanged > 0) {
      out().println(unchanged + " task(s) unchanged (not checked).");
    }
    if (!p.agents().isEmpty()) {
      out().println();
      Table agents = new Table("AGENT", "CONNECTED", "GAINS", "LOSES");
      for (PlanResult.AgentChange a : p.agents()) {
        agents.add(
            a.agent(),
            a.connected() ? "yes" : "no",
            a.gains().isEmpty() ? null : String.join(", ", a.gains()),
            a.loses().isEmpty() ? null : String.join(", ", a.loses()));
      }
      agents.print(out());
    }
  }

  private static String words(PlanResult p) {
    return switch (p.verdict()) {
      case NO_CHANGE -> "no change";
      case CHANGES -> "changes";
      case ERRORS -> "errors";
    };
  }

  private static String short10(String commit) {
    return commit.length() > 10 ? commit.substring(0, 10) : commit;
  }
}
