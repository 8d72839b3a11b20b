package dev.fluke.app.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.app.client.ApiClient;
import dev.fluke.events.Event;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code fluke describe agent|task NAME}: everything the server knows about one agent or task. */
@Command(
    name = "describe",
    description = "Show one agent or task in detail.",
    mixinStandardHelpOptions = true,
    subcommands = {DescribeCommand.Agent.class, DescribeCommand.Task.class})
final class DescribeCommand extends GroupCommand {
  /** How many lines of a failing executor's output to show under the tables. */
  private static final int OUTPUT_LINES = 10;

  @Command(
      name = "agent",
      description = "An agent: labels, cycle, every task and executor status, recent events.",
      mixinStandardHelpOptions = true)
  static final class Agent extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "The agent's name (see 'fluke get agents').")
    String name;

    @Override
    public Integer call() {
      ApiClient.Reply<Dto.AgentDetail> reply = client().agent(name);
      if (json()) {
        printJson(reply.json());
        return 0;
      }
      print(reply.value(), out());
      return 0;
    }

    private void print(Dto.AgentDetail detail, PrintWriter out) {
      Dto.AgentSummary a = detail.agent();
      Map<String, String> fields = new LinkedHashMap<>();
      fields.put("Name", a.name());
      fields.put(
          "Status",
          a.connected()
              ? "connected since " + Formats.ago(a.connectedAt(), now())
              : "disconnected");
      fields.put("Last seen", Formats.ago(a.lastSeen(), now()));
      fields.put("Version", a.version());
      fields.put("Labels", Formats.labels(a.labels()));
      fields.put(
          "Cycle", a.cycle() + ", last cycle ended " + Formats.ago(a.lastCycleEndedAt(), now()));
      fields.put("Tasks", Formats.counts(a.counts()));
      dev.fluke.api.Suspension held = Suspended.fetch(client()).ofAgent(a.name());
      if (held != null) {
        fields.put("Suspended", held.describe());
      }
      Formats.fields(out, fields);

      if (!detail.tasks().isEmpty()) {
        out.println();
        Table tasks =
            new Table("TASK", "STATUS", "POLICY", "ALERTED", "CHECKED", "APPLIED", "MESSAGE");
        Table executors =
            new Table("TASK", "EXECUTOR", "STATUS", "PHASE", "EXIT", "UPDATED", "MESSAGE");
        for (Dto.TaskStatus t : detail.tasks()) {
          tasks.add(
              t.task(),
              t.status(),
              t.policy(),
              Formats.yesNo(t.alerted()),
              Formats.ago(t.lastCheckedAt(), now()),
              Formats.ago(t.lastAppliedAt(), now()),
              Formats.oneLine(t.message()));
          for (Dto.ExecutorStatus e : t.executors()) {
            executors.add(
                t.task(),
                e.type() + " \"" + e.name() + "\"",
                e.status(),
                e.phase(),
                e.exitCode() < 0 ? "-" : Integer.toString(e.exitCode()),
                Formats.ago(e.updatedAt(), now()),
                Formats.oneLine(e.message()));
          }
        }
        tasks.print(out);
        if (!executors.isEmpty()) {
          out.println();
          executors.print(out);
        }
        printFailingOutput(detail.tasks(), out);
      } else {
        out.println();
        out.println("No task matches this agent's labels.");
      }

      if (detail.historyUnavailable() != null) {
        // The event store is down: the state above is live (the server's memory), only history is
        // missing.
        out.println();
        out.println(
            "Recent events: not shown: "
                + detail.historyUnavailable()
                + ". The status above is live.");
      } else if (!detail.recentEvents().isEmpty()) {
        out.println();
        out.println("Recent events:");
        Table events = new Table("TIME", "TASK", "EXECUTOR", "KIND", "OUTCOME", "EXIT", "MESSAGE");
        for (Event e : detail.recentEvents()) {
          events.add(
              Formats.ago(e.time(), now()),
              e.task(),
              e.executor(),
              e.kind(),
              e.outcome(),
              e.exitCode() < 0 ? "-" : Integer.toString(e.exitCode()),
              Formats.oneLine(e.message()));
        }
        events.print(out);
      }
    }

    /** The output tail of every executor that is not satisfied: what an operator reads first. */
    private static void printFailingOutput(List<Dto.TaskStatus> tasks, PrintWriter out) {
      for (Dto.TaskStatus t : tasks) {
        for (Dto.ExecutorStatus e : t.executors()) {
          if (e.status() != Status.SATISFIED && e.output() != null && !e.output().isBlank()) {
            out.println();
            out.println(
                "Output of "
                    + t.task()
                    + " / "
                    + e.type()
                    + " \""
                    + e.name()
                    + "\" ("
                    + e.phase()
                    + (e.exitCode() < 0 ? "" : ", exit " + e.exitCode())
                    + "):");
            Formats.indentedTail(out, e.output(), OUTPUT_LINES);
          }
        }
      }
    }
  }

  @Command(
      name = "task",
      description = "A task: definition, executors and its status on every matching agent.",
      mixinStandardHelpOptions = true)
  static final class Task extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "The task's name (see 'fluke get tasks').")
    String name;

    @Override
    public Integer call() {
      ApiClient.Reply<Dto.TaskDetail> reply = client().task(name);
      if (json()) {
        printJson(reply.json());
        return 0;
      }
      print(reply.value(), out());
      return 0;
    }

    private void print(Dto.TaskDetail detail, PrintWriter out) {
      Dto.TaskSummary t = detail.task();
      Map<String, String> fields = new LinkedHashMap<>();
      fields.put("Name", t.name());
      fields.put("Description", t.description());
      fields.put("Policy", t.policy());
      fields.put("Selector", Formats.labels(t.selector()));
      fields.put("File", t.file());
      fields.put("Agents", t.matchedAgents() + " matched: " + Formats.counts(t.counts()));
      dev.fluke.api.Suspension held = Suspended.fetch(client()).ofTask(t.name());
      if (held != null) {
        fields.put("Suspended", held.describe());
      }
      if (detail.window() != null) {
        Dto.WindowStatus w = detail.window();
        fields.put(
            "Window",
            (w.allow().isEmpty() ? "" : "allow " + w.allow() + " ")
                + (w.deny().isEmpty() ? "" : "deny " + w.deny() + " ")
                + "("
                + w.timezone()
                + "): "
                + w.next());
      }
      if (!t.dependsOn().isEmpty()) {
        fields.put("Depends on", String.join(", ", t.dependsOn()));
      }
      if (t.rollout() != null) {
        Dto.RolloutStatus r = t.rollout();
        fields.put(
            "Rollout",
            r.state()
                + ", "
                + r.stage()
                + ": "
                + r.done()
                + "/"
                + r.agents()
                + " done, "
                + r.failed()
                + " failed, "
                + r.waiting()
                + " waiting"
                + (r.haltedReason() == null ? "" : " (" + r.haltedReason() + ")"));
      }
      Formats.fields(out, fields);

      out.println();
      Table executors = new Table("EXECUTOR", "ON FAILURE", "SETTINGS");
      for (Dto.ExecutorDefinition e : detail.executors()) {
        executors.add(e.type() + " \"" + e.name() + "\"", e.onFailure(), settings(e.attributes()));
      }
      executors.print(out);

      out.println();
      if (detail.agents().isEmpty()) {
        out.println("No agent matches this task's selector.");
        return;
      }
      Table agents =
          new Table("AGENT", "CONNECTED", "STATUS", "ALERTED", "CHECKED", "APPLIED", "MESSAGE");
      for (Dto.AgentTaskStatus a : detail.agents()) {
        Dto.TaskStatus s = a.status();
        agents.add(
            a.agent(),
            Formats.yesNo(a.connected()),
            s.status(),
            Formats.yesNo(s.alerted()),
            Formats.ago(s.lastCheckedAt(), now()),
            Formats.ago(s.lastAppliedAt(), now()),
            Formats.oneLine(s.message()));
      }
      agents.print(out);
    }

    /** {@code check_task=check, working_dir=/opt/app}; nested values as compact JSON. */
    private String settings(Map<String, Object> attributes) {
      if (attributes == null || attributes.isEmpty()) {
        return "-";
      }
      return new TreeMap<>(attributes)
          .entrySet().stream()
              .map(e -> e.getKey() + "=" + value(e.getValue()))
              .collect(Collectors.joining(", "));
    }

    private String value(Object v) {
      if (v instanceof Map || v instanceof List) {
        try {
          return mapper().writeValueAsString(v);
        } catch (JsonProcessingException e) {
          return String.valueOf(v);
        }
      }
      return String.valueOf(v);
    }
  }
}
