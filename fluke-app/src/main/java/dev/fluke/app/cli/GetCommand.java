package dev.fluke.app.cli;

import dev.fluke.api.Dto;
import dev.fluke.app.client.ApiClient;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.manifest.ManifestError;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code fluke get agents|tasks|drift|events|manifest|suspensions|nodes|rollout}: lists, as tables
 * or JSON.
 */
@Command(
    name = "get",
    description =
        "List agents, tasks, drift, events, the manifest status, suspensions, the server nodes or"
            + " rollouts.",
    mixinStandardHelpOptions = true,
    subcommands = {
      GetCommand.Agents.class,
      GetCommand.Tasks.class,
      GetCommand.Drift.class,
      GetCommand.Events.class,
      GetCommand.Manifest.class,
      GetCommand.Suspensions.class,
      GetCommand.Nodes.class,
      RolloutCommand.Get.class
    })
final class GetCommand extends GroupCommand {

  @Command(
      name = "agents",
      description = "Every known agent: connection, cycle, task statuses.",
      mixinStandardHelpOptions = true)
  static final class Agents extends ClientCommand {
    @Parameters(
        arity = "0..*",
        paramLabel = "FILTER",
        description = {
          "Only the agents matching every word: part of the name, key=value for a label (role=web),",
          "a task status (drifted, failed, error, ...), connected or disconnected."
        })
    List<String> filter = List.of();

    @Override
    public Integer call() {
      // The server filters (GET /api/v1/agents?filter=): one implementation for the CLI and the UI.
      String words = String.join(" ", filter).trim();
      ApiClient.Filtered answer = client().agents(words);
      ApiClient.Reply<List<Dto.AgentSummary>> reply = answer.matching();
      List<Dto.AgentSummary> agents = reply.value();
      if (!answer.missingNodes().isEmpty()) {
        err()
            .println(
                "Warning: server nodes did not answer in time, their agents show as unknown: "
                    + String.join(", ", answer.missingNodes()));
      }
      if (json()) {
        printJson(reply.json());
        return 0;
      }
      if (agents.isEmpty() && !words.isEmpty() && answer.known() != 0) {
        out()
            .println(
                "No agent matches '"
                    + words
                    + "'"
                    + (answer.known() >= 0 ? " (of " + answer.known() + " known)." : "."));
        return 0;
      }
      Suspended suspended = Suspended.fetch(client());
      Table table =
          new Table(
              "NAME", "STATUS", "CYCLE", "TASKS", "LAST SEEN", "LAST CYCLE", "LABELS", "VERSION");
      for (Dto.AgentSummary a : agents) {
        table.add(
            a.name(),
            (a.connected() ? "connected" : "disconnected")
                + (suspended.ofAgent(a.name()) != null ? ", suspended" : ""),
            a.cycle(),
            Formats.counts(a.counts()),
            Formats.ago(a.lastSeen(), now()),
            Formats.ago(a.lastCycleEndedAt(), now()),
            Formats.labels(a.labels()),
            a.version());
      }
      if (table.isEmpty()) {
        out().println("No agents have connected to " + client().server() + " yet.");
      } else {
        suspended.banner(out());
        table.print(out());
      }
      return 0;
    }
  }

  @Command(
      name = "tasks",
      description = "The tasks of the desired state in force.",
      mixinStandardHelpOptions = true)
  static final class Tasks extends ClientCommand {
    @Override
    public Integer call() {
      ApiClient.Reply<List<Dto.TaskSummary>> reply = client().tasks();
      if (json()) {
        printJson(reply.json());
        return 0;
      }
      Table table = new Table("NAME", "POLICY", "AGENTS", "STATUS", "SELECTOR", "FILE");
      for (Dto.TaskSummary t : reply.value()) {
        table.add(
            t.name(),
            t.policy(),
            t.matchedAgents(),
            Formats.counts(t.counts()),
            Formats.labels(t.selector()),
            t.file());
      }
      if (table.isEmpty()) {
        out().println("No tasks: the manifests in force declare none (see 'fluke get manifest').");
      } else {
        table.print(out());
      }
      return 0;
    }
  }

  @Command(
      name = "drift",
      description = "Every agent/task pair that is drifted, failed or in error.",
      mixinStandardHelpOptions = true)
  static final class Drift extends ClientCommand {
    @Override
    public Integer call() {
      ApiClient.Reply<List<Dto.DriftEntry>> reply = client().drift();
      if (json()) {
        printJson(reply.json());
        return 0;
      }
      Suspended suspended = Suspended.fetch(client());
      suspended.banner(out());
      Table table = new Table("AGENT", "TASK", "STATUS", "POLICY", "ALERTED", "SINCE", "MESSAGE");
      for (Dto.DriftEntry d : reply.value()) {
        boolean held =
            suspended.ofAgent(d.agent()) != null
                || suspended.of(dev.fluke.api.TargetKind.TASK, d.task()) != null;
        table.add(
            d.agent(),
            d.task(),
            d.status() + (held ? " (suspended)" : ""),
            d.policy(),
            Formats.yesNo(d.alerted()),
            Formats.ago(d.since(), now()),
            Formats.oneLine(d.message()));
      }
      if (table.isEmpty()) {
        out().println("No drift: every task is satisfied on every agent it matches.");
      } else {
        table.print(out());
      }
      return 0;
    }
  }

  @Command(
      name = "events",
      description = "Recent check, apply, agent and manifest events, newest first.",
      mixinStandardHelpOptions = true)
  static final class Events extends ClientCommand {
    @Option(names = "--agent", paramLabel = "NAME", description = "Only this agent's events.")
    String agent;

    @Option(names = "--task", paramLabel = "TASK", description = "Only this task's events.")
    String task;

    @Option(
        names = "--outcome",
        paramLabel = "OUTCOME",
        description =
            "Only this outcome: satisfied, drifted, applied, failed, error, connected, ...")
    String outcome;

    @Option(
        names = "--limit",
        paramLabel = "N",
        description = "At most N events, 1 to 1000 (default ${DEFAULT-VALUE}).")
    int limit = 20;

    @Override
    public Integer call() {
      if (limit < 1 || limit > 1000) {
        throw new ParameterException(
            spec.commandLine(), "--limit must be from 1 to 1000, got " + limit);
      }
      ApiClient.Events answer =
          client().eventsOfEveryNode(new EventQuery(agent, task, outcome, limit));
      ApiClient.Reply<List<Event>> reply = answer.listed();
      if (!answer.missingNodes().isEmpty()) {
        err()
            .println(
                "Warning: server nodes did not answer in time, their events are not listed: "
                    + String.join(", ", answer.missingNodes()));
      }
      if (json()) {
        printJson(reply.json());
        return 0;
      }
      Table table =
          new Table(
              "TIME",
              "AGENT",
              "TASK",
              "EXECUTOR",
              "KIND",
              "OUTCOME",
              "EXIT",
              "DURATION",
              "MESSAGE");
      for (Event e : reply.value()) {
        table.add(
            Formats.ago(e.time(), now()),
            e.agent(),
            e.task(),
            e.executor(),
            e.kind(),
            e.outcome(),
            e.exitCode() < 0 ? "-" : Integer.toString(e.exitCode()),
            e.durationMillis() > 0 ? Formats.millis(e.durationMillis()) : "-",
            Formats.oneLine(e.message()));
      }
      if (table.isEmpty()) {
        out().println("No events match.");
      } else {
        table.print(out());
      }
      return 0;
    }
  }

  @Command(
      name = "manifest",
      description = "The commit in force and, when the newest one was rejected, its errors.",
      mixinStandardHelpOptions = true)
  static final class Manifest extends ClientCommand {
    @Override
    public Integer call() {
      ApiClient.Reply<Dto.ManifestStatus> reply = client().manifest();
      if (json()) {
        printJson(reply.json());
        return 0;
      }
      print(reply.value(), out());
      return 0;
    }

    private void print(Dto.ManifestStatus m, PrintWriter out) {
      boolean rejected = !m.errors().isEmpty();
      Map<String, String> fields = new LinkedHashMap<>();
      fields.put(
          "Repository",
          m.repository() + (m.branch() == null ? "" : " (branch " + m.branch() + ")"));
      fields.put(
          "In force",
          m.commit() == null
              ? "nothing yet: no commit has loaded without errors"
              : Formats.shortCommit(m.commit())
                  + ", loaded "
                  + Formats.ago(m.loadedAt(), now())
                  + ": "
                  + m.tasks()
                  + " task(s) from "
                  + m.files().size()
                  + " file(s)");
      if (rejected) {
        fields.put(
            "Newest",
            Formats.shortCommit(m.candidateCommit())
                + " REJECTED with "
                + m.errors().size()
                + " error(s); the server keeps running on the commit in force");
      } else if (m.candidateCommit() != null && !Objects.equals(m.candidateCommit(), m.commit())) {
        fields.put("Newest", Formats.shortCommit(m.candidateCommit()));
      }
      if (m.loadedFrom() != null && !Objects.equals(m.loadedFrom(), m.repository())) {
        fields.put(
            "Loaded from",
            m.loadedFrom() + " (the repository before; the new one has no good commit yet)");
      }
      if (m.refusedCommit() != null) {
        fields.put(
            "Refused",
            Formats.shortCommit(m.refusedCommit())
                + ": the branch was rewritten (force push); accept it with 'fluke accept rewrite "
                + m.refusedCommit()
                + "'");
      }
      fields.put("Last fetch", Formats.ago(m.lastFetchAt(), now()));
      fields.put("Fetch error", m.fetchError());
      Formats.fields(out, fields);
      if (rejected) {
        out.println();
        out.println("Errors in " + Formats.shortCommit(m.candidateCommit()) + ":");
        for (ManifestError e : m.errors()) {
          out.println("  " + (e.pos() == null ? e.message() : e.format()));
        }
      }
    }
  }

  @Command(
      name = "suspensions",
      description = "The suspensions in force: scope, who, why, until when.",
      mixinStandardHelpOptions = true)
  static final class Suspensions extends ClientCommand {
    @Override
    public Integer call() {
      ApiClient.Reply<List<dev.fluke.api.Suspension>> reply = client().suspensions();
      if (json()) {
        printJson(reply.json());
        return 0;
      }
      Table table = new Table("SCOPE", "NAME", "BY", "SINCE", "UNTIL", "REASON");
      for (dev.fluke.api.Suspension s : reply.value()) {
        table.add(
            s.scope().word(),
            s.name() == null ? "-" : s.name(),
            s.by(),
            Formats.ago(s.since(), now()),
            s.until() == null ? "until resumed" : s.until().toString(),
            Formats.oneLine(s.reason()));
      }
      if (table.isEmpty()) {
        out().println("Nothing is suspended.");
      } else {
        table.print(out());
      }
      return 0;
    }
  }

  @Command(
      name = "nodes",
      description =
          "The server nodes: address, member status, reachable, agents held, leader, singletons,"
              + " version (a single server is one node, 'local').",
      mixinStandardHelpOptions = true)
  static final class Nodes extends ClientCommand {
    @Override
    public Integer call() {
      ApiClient.Reply<List<Dto.NodeInfo>> reply = client().nodes();
      if (json()) {
        printJson(reply.json());
        return 0;
      }
      Table table =
          new Table("ADDRESS", "STATUS", "REACHABLE", "AGENTS", "LEADER", "SINGLETONS", "VERSION");
      for (Dto.NodeInfo n : reply.value()) {
        table.add(
            n.address() + (n.self() ? " (this one)" : ""),
            n.status(),
            Formats.yesNo(n.reachable()),
            n.answered() ? Integer.toString(n.agents()) : "?",
            Formats.yesNo(n.leader()),
            n.singletons().isEmpty() ? "-" : String.join(",", n.singletons()),
            n.version() == null ? "-" : n.version());
      }
      table.print(out());
      return 0;
    }
  }
}
