package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.PlanResult;
import dev.fluke.api.PlanResult.AgentChange;
import dev.fluke.api.PlanResult.AgentCheck;
import dev.fluke.api.PlanResult.Change;
import dev.fluke.api.PlanResult.CheckResult;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The pure half of a plan ({@code fluke plan}): the ref's tasks compared with the state in force,
 * matched against the agents' labels, and — once the agents answered — the {@link PlanResult}.
 *
 * <p>A task is {@code changed} when its definition differs in anything but where it is written
 * (file, line, column): its selector, policy, description or any executor block. Only new and
 * changed tasks are checked; an agent gains a task it would match and does not match now, and loses
 * one it matches now and would not (a task removed, or a selector that no longer matches).
 *
 * @param tasks every task of the ref (declaration order), then every removed task (order in force)
 * @param checks for every connected agent, the new and changed tasks it would match, in declaration
 *     order; agents with nothing to check are absent
 */
record PlanDiff(
    List<TaskDiff> tasks, Map<String, List<TaskSpec>> checks, List<AgentChange> agents) {

  /**
   * One task: its definition in the ref ({@code spec}; the one in force for a removed task) and,
   * for a new or changed task, the agents it would match (sorted by name).
   */
  record TaskDiff(String name, Change change, TaskSpec spec, List<String> matched) {}

  /** What one agent answered, or why it cannot. */
  sealed interface Answer {
    /** The agent's CheckReport of the plan. */
    record Reported(AgentMessage.CheckReport report) implements Answer {}

    /** The agent left before it answered. */
    record Gone(String why) implements Answer {}
  }

  /**
   * @param inForce the tasks in force (empty when nothing is in force yet)
   * @param proposed the ref's tasks, in declaration order
   * @param agents connected and recently disconnected agents (their labels)
   */
  static PlanDiff of(
      List<TaskSpec> inForce, List<TaskSpec> proposed, List<Dto.AgentSummary> agents) {
    Map<String, TaskSpec> now = new LinkedHashMap<>();
    inForce.forEach(t -> now.put(t.name(), t));
    Map<String, TaskSpec> next = new LinkedHashMap<>();
    proposed.forEach(t -> next.put(t.name(), t));
    List<Dto.AgentSummary> sorted =
        agents.stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();

    List<TaskDiff> tasks = new ArrayList<>();
    Map<String, List<TaskSpec>> checks = new TreeMap<>();
    for (TaskSpec t : next.values()) {
      TaskSpec old = now.get(t.name());
      Change change =
          old == null ? Change.NEW : sameDefinition(old, t) ? Change.UNCHANGED : Change.CHANGED;
      List<String> matched = new ArrayList<>();
      if (change != Change.UNCHANGED) {
        for (Dto.AgentSummary a : sorted) {
          if (t.selector().matches(a.labels())) {
            matched.add(a.name());
            if (a.connected()) {
              checks.computeIfAbsent(a.name(), n -> new ArrayList<>()).add(t);
            }
          }
        }
      }
      tasks.add(new TaskDiff(t.name(), change, t, List.copyOf(matched)));
    }
    for (TaskSpec old : now.values()) {
      if (!next.containsKey(old.name())) {
        tasks.add(new TaskDiff(old.name(), Change.REMOVED, old, List.of()));
      }
    }
    List<AgentChange> changes = new ArrayList<>();
    for (Dto.AgentSummary a : sorted) {
      List<String> before = matching(now.values(), a);
      List<String> after = matching(next.values(), a);
      List<String> gains = after.stream().filter(n -> !before.contains(n)).toList();
      List<String> loses = before.stream().filter(n -> !after.contains(n)).toList();
      if (!gains.isEmpty() || !loses.isEmpty()) {
        changes.add(new AgentChange(a.name(), a.connected(), gains, loses));
      }
    }
    checks.replaceAll((agent, list) -> List.copyOf(list));
    return new PlanDiff(List.copyOf(tasks), checks, List.copyOf(changes));
  }

  private static List<String> matching(Iterable<TaskSpec> tasks, Dto.AgentSummary agent) {
    List<String> out = new ArrayList<>();
    for (TaskSpec t : tasks) {
      if (t.selector().matches(agent.labels())) {
        out.add(t.name());
      }
    }
    return out;
  }

  /**
   * The plan's result once the agents answered: {@code answers} by agent; a connected agent with
   * checks and no answer timed out.
   */
  PlanResult result(
      String ref,
      String commit,
      String inForce,
      Set<String> connected,
      Map<String, Answer> answers,
      Instant startedAt,
      Instant finishedAt) {
    List<PlanResult.PlanTask> out = new ArrayList<>();
    boolean errors = false;
    boolean changes = !agents.isEmpty();
    for (TaskDiff t : tasks) {
      List<AgentCheck> checked = new ArrayList<>();
      for (String agent : t.matched()) {
        AgentCheck c = checkOf(t, agent, connected.contains(agent), answers.get(agent), finishedAt);
        errors |= c.result() == CheckResult.ERROR || c.result() == CheckResult.TIMED_OUT;
        changes |= c.result() == CheckResult.WOULD_APPLY;
        checked.add(c);
      }
      out.add(new PlanResult.PlanTask(t.name(), t.change(), checked));
    }
    PlanResult.Verdict verdict =
        errors
            ? PlanResult.Verdict.ERRORS
            : changes ? PlanResult.Verdict.CHANGES : PlanResult.Verdict.NO_CHANGE;
    return new PlanResult(
        ref, commit, inForce, verdict, null, List.of(), out, agents, startedAt, finishedAt);
  }

  private static AgentCheck checkOf(
      TaskDiff t, String agent, boolean connected, Answer answer, Instant now) {
    if (!connected) {
      return new AgentCheck(agent, CheckResult.NOT_CONNECTED, "the agent is not connected");
    }
    if (answer == null) {
      return new AgentCheck(
          agent, CheckResult.TIMED_OUT, "no answer within the plan's timeout (busy agent?)");
    }
    if (answer instanceof Answer.Gone g) {
      return new AgentCheck(agent, CheckResult.NOT_CONNECTED, g.why());
    }
    AgentMessage.CheckReport report = ((Answer.Reported) answer).report();
    AgentMessage.TaskOutcome outcome =
        report.tasks().stream().filter(o -> o.task().equals(t.name())).findFirst().orElse(null);
    if (outcome == null) {
      return new AgentCheck(agent, CheckResult.ERROR, "the agent reported no check of this task");
    }
    TaskVerdict v = TaskVerdict.ofCheck(t.spec(), outcome, now);
    return switch (v.status()) {
      case SATISFIED -> new AgentCheck(agent, CheckResult.NO_CHANGE, "");
      case DRIFTED -> new AgentCheck(agent, CheckResult.WOULD_APPLY, v.message());
      default -> new AgentCheck(agent, CheckResult.ERROR, v.message());
    };
  }

  /**
   * Whether two definitions of a task are the same but for where they are written: every component
   * of the records compared but {@code pos} (read from the record, so a field added to {@link
   * TaskSpec} or {@link ExecutorSpec} is compared too).
   */
  static boolean sameDefinition(TaskSpec a, TaskSpec b) {
    return sameRecord(a, b);
  }

  private static boolean sameRecord(Record a, Record b) {
    if (a.getClass() != b.getClass()) {
      return false;
    }
    for (RecordComponent c : a.getClass().getRecordComponents()) {
      if (c.getName().equals("pos")) {
        continue;
      }
      Object x = value(c, a);
      Object y = value(c, b);
      if (!sameValue(x, y)) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameValue(Object x, Object y) {
    if (x instanceof ExecutorSpec ex && y instanceof ExecutorSpec ey) {
      return sameRecord(ex, ey);
    }
    if (x instanceof List<?> lx && y instanceof List<?> ly) {
      if (lx.size() != ly.size()) {
        return false;
      }
      for (int i = 0; i < lx.size(); i++) {
        if (!sameValue(lx.get(i), ly.get(i))) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(x, y);
  }

  private static Object value(RecordComponent c, Record r) {
    try {
      return c.getAccessor().invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass(), e);
    }
  }
}
