package dev.fluke.app.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
import dev.fluke.api.Status;
import dev.fluke.app.client.ApiClient;
import dev.fluke.app.client.ApiClientException;
import dev.fluke.app.client.LiveStream;
import dev.fluke.hcl.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fluke reconcile all | agent NAME | task NAME [--wait] [--timeout 5m]}: starts a manual
 * cycle, which always applies whatever the drift policy. With {@code --wait} it follows the agents
 * until each one's {@code last_cycle_ended_at} passes the request's {@code requested_at}, prints
 * every task status, and exits 1 when any is {@code failed} or {@code error} (or the wait timed
 * out). While it waits it prints the output lines and apply/verify outcomes of the agents concerned
 * as they stream in (on stderr with {@code -o json}, so stdout stays one JSON document); it
 * subscribes to the live stream before posting the request, so no line is missed.
 */
@Command(
    name = "reconcile",
    description = "Run a manual reconcile (always applies, whatever the drift policy).",
    mixinStandardHelpOptions = true,
    subcommands = {
      ReconcileCommand.All.class,
      ReconcileCommand.Agent.class,
      ReconcileCommand.Task.class
    })
final class ReconcileCommand extends GroupCommand {
  private static final Set<Status> FAILED = Set.of(Status.FAILED, Status.ERROR);

  /** Options and the reconcile-and-wait flow shared by the three targets. */
  abstract static class Target extends ClientCommand {
    @Option(
        names = "--wait",
        description =
            "Wait for the cycles to end, printing the apply output as it streams; print the results, exit 1 if any task failed.")
    boolean wait;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        description = "How long --wait waits, e.g. 90s, 5m, 1h (default 5m).")
    Duration timeout = Duration.ofMinutes(5);

    @Option(
        names = "--poll-interval",
        hidden = true,
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        description = "How often --wait asks the server (default 1s).")
    Duration pollInterval = Duration.ofSeconds(1);

    @Option(
        names = "--force",
        description =
            "Apply even where a suspension or a closed maintenance window holds applies back.")
    boolean force;

    abstract Dto.ReconcileTarget target();

    /**
     * The live stream while {@code --wait} follows the agents; null without one, or once it ended.
     */
    private LiveStream live;

    @Override
    public Integer call() throws InterruptedException {
      if (!wait) {
        ApiClient.Reply<Dto.ReconcileAccepted> reply = client().reconcile(target(), force);
        if (json()) {
          printJson(reply.json());
        } else {
          printAccepted(reply.value());
        }
        return 0;
      }
      // Subscribed before the request, so not one line of the applies it starts can be missed.
      ApiClientException noStream = openStream();
      try {
        return reconcileAndWait(noStream);
      } finally {
        if (live != null) {
          live.close();
        }
      }
    }

    private int reconcileAndWait(ApiClientException noStream) throws InterruptedException {
      ApiClient.Reply<Dto.ReconcileAccepted> reply = client().reconcile(target(), force);
      Dto.ReconcileAccepted accepted = reply.value();
      if (accepted.agents().isEmpty()) {
        if (json()) {
          printJson(resultJson(reply.json(), List.of()));
        } else {
          printAccepted(accepted);
        }
        return 0;
      }
      if (!json()) {
        err()
            .println(
                "Reconcile started on "
                    + String.join(", ", accepted.agents())
                    + "; waiting up to "
                    + describe(timeout)
                    + " for the cycles to end...");
      }
      note(accepted, err());
      if (noStream != null) {
        err().println("note: no live output (" + noStream.getMessage() + "); waiting without it");
      }
      err().flush();
      List<String> unfinished = awaitCycles(accepted);
      List<ApiClient.Reply<Dto.AgentDetail>> results = new ArrayList<>();
      for (String agent : accepted.agents()) {
        if (!unfinished.contains(agent)) {
          results.add(client().agent(agent));
        }
      }
      List<String> failures = report(results, reply.json(), accepted);
      if (!unfinished.isEmpty()) {
        throw new CliException(
            "timed out after "
                + describe(timeout)
                + " waiting for "
                + String.join(", ", unfinished)
                + " to finish the cycle; see 'fluke describe agent "
                + unfinished.get(0)
                + "'");
      }
      if (!failures.isEmpty()) {
        throw new CliException(failures.size() + " task(s) failed: " + String.join("; ", failures));
      }
      return 0;
    }

    /**
     * Opens the fleet's stream of output lines and events (the agents concerned are known only once
     * the server accepted the request, so they are picked from it as they come).
     *
     * @return null when the stream is open, else why there is none: the wait then goes on without
     *     live output (an older server, a proxy that does not pass it); failures the request itself
     *     would meet (unreachable, token refused) are thrown
     */
    private ApiClientException openStream() throws InterruptedException {
      try {
        live = client().stream(null, List.of("output", "event"));
        return null;
      } catch (ApiClientException e) {
        if (e.status() == 401 || e.status() == 403 || e.unreachable()) {
          throw e;
        }
        return e;
      }
    }

    /**
     * Polls the agent list until every agent has ended a cycle after the request (and is idle, so a
     * cycle that was already running when the request came does not count), or the timeout passes;
     * between polls, prints the live output of the agents concerned.
     *
     * @return the agents that did not finish in time
     */
    private List<String> awaitCycles(Dto.ReconcileAccepted accepted) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Map<String, Dto.AgentSummary> agents =
            client().agents().value().stream()
                .collect(
                    Collectors.toMap(Dto.AgentSummary::name, Function.identity(), (a, b) -> a));
        List<String> pending = new ArrayList<>();
        for (String name : accepted.agents()) {
          Dto.AgentSummary a = agents.get(name);
          if (a == null) {
            throw new CliException(
                "agent "
                    + name
                    + " is no longer known to the server, so its cycle cannot be followed");
          }
          if (!finished(a, accepted)) {
            pending.add(name);
          }
        }
        if (pending.isEmpty() || System.nanoTime() - deadline >= 0) {
          // Whatever arrived before the cycles were seen to end still belongs above the results.
          showLive(accepted, System.nanoTime());
          return pending;
        }
        showLive(accepted, Math.min(System.nanoTime() + pollInterval.toNanos(), deadline));
      }
    }

    /**
     * Prints live updates of the accepted agents until {@code until} ({@link System#nanoTime()}).
     */
    private void showLive(Dto.ReconcileAccepted accepted, long until) throws InterruptedException {
      while (live != null) {
        long left = until - System.nanoTime();
        ApiClient.Reply<LiveUpdate> reply;
        try {
          reply = live.next(Duration.ofNanos(Math.max(0, left)));
        } catch (ApiClientException ended) {
          live.close();
          live = null;
          err()
              .println("note: the live output stopped (" + ended.getMessage() + "); still waiting");
          err().flush();
          break;
        }
        if (reply == null) {
          return;
        }
        LiveUpdate u = reply.value();
        boolean concerned =
            u.kind().equals("lost")
                || accepted.agents().contains(u.agent()) && concernsTask(u.task());
        if (concerned && LiveLines.shown(u)) {
          // With -o json stdout holds the one JSON result; the lines still show on the terminal.
          var to = json() ? err() : out();
          to.println(LiveLines.text(u, true));
          to.flush();
        }
      }
      long left = until - System.nanoTime();
      if (left > 0) {
        Thread.sleep(Math.max(1, left / 1_000_000));
      }
    }

    /**
     * The agent ended the cycle that served this request: its {@code manual_served} reached the
     * request's id (no clocks compared, so a cycle that was running when the request came, or one
     * that ended just after it, is never taken for the one that served it). A server older than
     * request ids (id 0) is judged by time as before.
     */
    static boolean finished(Dto.AgentSummary agent, Dto.ReconcileAccepted accepted) {
      if (accepted.requestId() > 0) {
        return agent.manualServed() >= accepted.requestId();
      }
      return agent.lastCycleEndedAt() != null
          && agent.lastCycleEndedAt().isAfter(accepted.requestedAt())
          && agent.cycle() == CyclePhase.IDLE;
    }

    /** Prints the task statuses of the finished agents; returns a line for each failed one. */
    private List<String> report(
        List<ApiClient.Reply<Dto.AgentDetail>> results,
        String acceptedJson,
        Dto.ReconcileAccepted accepted) {
      List<String> failures = new ArrayList<>();
      Table table = new Table("AGENT", "TASK", "STATUS", "APPLIED", "MESSAGE");
      for (ApiClient.Reply<Dto.AgentDetail> result : results) {
        Dto.AgentDetail detail = result.value();
        for (Dto.TaskStatus t : served(detail, accepted)) {
          if (!concerns(t)) {
            continue;
          }
          table.add(
              detail.agent().name(),
              t.task(),
              t.status(),
              Formats.ago(t.lastAppliedAt(), now()),
              Formats.oneLine(t.message()));
          if (FAILED.contains(t.status())) {
            failures.add(
                detail.agent().name()
                    + "/"
                    + t.task()
                    + " "
                    + t.status()
                    + (t.message() == null || t.message().isBlank()
                        ? ""
                        : " (" + Formats.oneLine(t.message()) + ")"));
          }
        }
      }
      if (json()) {
        printJson(resultJson(acceptedJson, results));
      } else if (table.isEmpty()) {
        out().println("The cycles ended; no task matches the agents.");
      } else {
        table.print(out());
      }
      return failures;
    }

    /**
     * The statuses the cycle that served the request left, as the agent kept them (a later cycle,
     * e.g. a retry of a failed apply, may already be running); the current ones from a server that
     * keeps none.
     */
    private static List<Dto.TaskStatus> served(
        Dto.AgentDetail detail, Dto.ReconcileAccepted accepted) {
      Dto.ManualResult last = detail.lastManual();
      if (last != null && accepted.requestId() > 0 && last.requestId() >= accepted.requestId()) {
        return last.tasks();
      }
      return detail.tasks();
    }

    /** A task reconcile reports that task only; agent and fleet reconciles report every task. */
    boolean concernsTask(String task) {
      return true;
    }

    private boolean concerns(Dto.TaskStatus status) {
      return concernsTask(status.task());
    }

    private ObjectNode resultJson(
        String acceptedJson, List<ApiClient.Reply<Dto.AgentDetail>> results) {
      ObjectNode root = mapper().createObjectNode();
      root.set("reconcile", tree(acceptedJson));
      ArrayNode agents = root.putArray("agents");
      results.forEach(r -> agents.add(tree(r.json())));
      return root;
    }

    private void printAccepted(Dto.ReconcileAccepted accepted) {
      if (accepted.agents().isEmpty()) {
        out()
            .println(
                "Nothing to reconcile: no connected agent runs "
                    + describe(accepted.target())
                    + " ("
                    + accepted.message()
                    + ").");
        return;
      }
      out()
          .println(
              "Reconcile of "
                  + describe(accepted.target())
                  + " started on "
                  + accepted.agents().size()
                  + " agent(s): "
                  + String.join(", ", accepted.agents())
                  + ".");
      note(accepted, out());
      if (!wait) {
        out()
            .println(
                "Follow it with 'fluke get drift' or 'fluke get events', or run again with --wait.");
      }
    }

    /** What the server added about suspensions or --force ("…; the fleet is suspended …"). */
    private static void note(Dto.ReconcileAccepted accepted, java.io.PrintWriter to) {
      String m = accepted.message() == null ? "" : accepted.message();
      int i = m.indexOf("; ");
      if (i >= 0) {
        to.println("note: " + m.substring(i + 2));
      }
    }

    private static String describe(Dto.ReconcileTarget target) {
      if (target == null || target.kind() == null) {
        return "the fleet";
      }
      return switch (target.kind()) {
        case AGENT -> "agent " + target.name();
        case TASK -> "task " + target.name();
        case ALL -> "the whole fleet";
      };
    }

    private static String describe(Duration d) {
      return Durations.format(d);
    }
  }

  @Command(
      name = "all",
      description = "Reconcile every connected agent.",
      mixinStandardHelpOptions = true)
  static final class All extends Target {
    @Override
    Dto.ReconcileTarget target() {
      return Dto.ReconcileTarget.ALL;
    }
  }

  @Command(
      name = "agent",
      description = "Reconcile every task of one agent.",
      mixinStandardHelpOptions = true)
  static final class Agent extends Target {
    @Parameters(paramLabel = "NAME", description = "The agent's name (see 'fluke get agents').")
    String name;

    @Override
    Dto.ReconcileTarget target() {
      return Dto.ReconcileTarget.agent(name);
    }
  }

  @Command(
      name = "task",
      description = "Reconcile one task on every agent it matches.",
      mixinStandardHelpOptions = true)
  static final class Task extends Target {
    @Parameters(paramLabel = "NAME", description = "The task's name (see 'fluke get tasks').")
    String name;

    @Override
    Dto.ReconcileTarget target() {
      return Dto.ReconcileTarget.task(name);
    }

    @Override
    boolean concernsTask(String task) {
      return task.equals(name);
    }
  }
}
