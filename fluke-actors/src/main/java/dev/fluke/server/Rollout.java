package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.manifest.RolloutSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The staged rollout of one task's definition at one commit (issue 10), as an immutable state
 * machine: the agents matched when it starts, in name order, are cut into stages — the {@link
 * RolloutSpec#canary()} canaries, then batches of {@link RolloutSpec#batchOf(int)} agents. An agent
 * may remediate the new definition only once its stage has started ({@link #allowed}); a stage
 * starts when every agent of the previous one has reported (done or failed) and {@link
 * RolloutSpec#pause()} has passed since. More than {@link RolloutSpec#maxFailures()} failed agents
 * halt the rollout: the agents of later stages are never allowed until a person resumes it ({@link
 * #resume}), which forgets the failures counted so far and starts the next stage. Time comes from
 * the caller (the engine's clock); the caller schedules {@link #advance} at {@link #nextStageAt}.
 *
 * @param stages the agents of each stage, in order (agents that joined later are in the last one)
 * @param started how many stages have started (0 before the first)
 * @param agents what is known of every agent of the rollout
 * @param stageCompletedAt when the last started stage had all reported (null while it has not)
 * @param halted why it halted, or null
 */
record Rollout(
    String task,
    String commit,
    RolloutSpec spec,
    Instant startedAt,
    List<List<String>> stages,
    int started,
    Map<String, AgentState> agents,
    int failures,
    Instant stageCompletedAt,
    String halted) {

  Rollout {
    stages = stages.stream().map(List::copyOf).toList();
    agents = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(agents));
  }

  /** Where one agent is in the rollout. */
  enum AgentState {
    /** Its stage has not started: it keeps the old state. */
    WAITING,
    /** Its stage started: it may apply; no verdict yet. */
    ALLOWED,
    /** Satisfied with the new definition (applied and verified, or found so). */
    DONE,
    /** The apply or its verify failed, or it could not be checked. */
    FAILED
  }

  /**
   * A rollout over {@code matched} agents (sorted by name here); the first stage starts at once.
   */
  static Rollout start(
      String task, String commit, RolloutSpec spec, List<String> matched, Instant now) {
    List<String> order = matched.stream().sorted().toList();
    List<List<String>> stages = new ArrayList<>();
    int canaries = Math.min(spec.canary(), order.size());
    if (canaries > 0) {
      stages.add(order.subList(0, canaries));
    }
    int batch = spec.batchOf(order.size());
    for (int i = canaries; i < order.size(); i += batch) {
      stages.add(order.subList(i, Math.min(order.size(), i + batch)));
    }
    Map<String, AgentState> agents = new LinkedHashMap<>();
    order.forEach(a -> agents.put(a, AgentState.WAITING));
    return new Rollout(task, commit, spec, now, stages, 0, agents, 0, now, null).advance(now);
  }

  boolean isHalted() {
    return halted != null;
  }

  /** Every stage started and every agent reported. */
  boolean isDone() {
    return halted == null && started == stages.size() && !agents.containsValue(AgentState.ALLOWED);
  }

  /** May this agent remediate the new definition now? Agents not in the rollout may not. */
  boolean allowed(String agent) {
    AgentState s = agents.get(agent);
    return s != null && s != AgentState.WAITING;
  }

  /** When the next stage may start (null: not before more reports, a resume, or never). */
  Instant nextStageAt() {
    if (halted != null || started == stages.size() || stageCompletedAt == null) {
      return null;
    }
    return started == 0 ? stageCompletedAt : stageCompletedAt.plus(spec.pause());
  }

  /** Starts every stage that may start at {@code now} (a pause of zero starts the next at once). */
  Rollout advance(Instant now) {
    Rollout r = this;
    while (r.nextStageAt() != null && !now.isBefore(r.nextStageAt())) {
      r = r.startNextStage(now);
    }
    return r;
  }

  private Rollout startNextStage(Instant now) {
    Map<String, AgentState> a = new LinkedHashMap<>(agents);
    for (String agent : stages.get(started)) {
      if (a.get(agent) == AgentState.WAITING) {
        a.put(agent, AgentState.ALLOWED);
      }
    }
    Rollout r =
        new Rollout(task, commit, spec, startedAt, stages, started + 1, a, failures, null, null);
    return r.stageComplete() ? r.withCompletedAt(now) : r;
  }

  private boolean stageComplete() {
    if (started == 0) {
      return true;
    }
    for (String agent : stages.get(started - 1)) {
      AgentState s = agents.get(agent);
      if (s == AgentState.ALLOWED) {
        return false;
      }
    }
    return true;
  }

  private Rollout withCompletedAt(Instant now) {
    return new Rollout(
        task, commit, spec, startedAt, stages, started, agents, failures, now, halted);
  }

  /**
   * An allowed agent reported its verdict on the new definition: {@code ok} satisfied, else failed.
   * Reports of agents that were not allowed, or that reported already, change nothing (the first
   * verdict counts). Halts when the failures exceed the maximum; completes the stage when it was
   * the last report.
   */
  Rollout report(String agent, boolean ok, Instant now) {
    if (agents.get(agent) != AgentState.ALLOWED) {
      return this;
    }
    Map<String, AgentState> a = new LinkedHashMap<>(agents);
    a.put(agent, ok ? AgentState.DONE : AgentState.FAILED);
    int f = failures + (ok ? 0 : 1);
    String why = halted;
    if (why == null && f > spec.maxFailures()) {
      why =
          f
              + " agent(s) failed the apply or its verify (max_failures = "
              + spec.maxFailures()
              + "): "
              + String.join(", ", failedAgents(a));
    }
    Rollout r = new Rollout(task, commit, spec, startedAt, stages, started, a, f, null, why);
    if (r.stageComplete()) {
      r = r.withCompletedAt(now);
    }
    return r.advance(now);
  }

  private static List<String> failedAgents(Map<String, AgentState> a) {
    List<String> out = new ArrayList<>();
    a.forEach(
        (k, v) -> {
          if (v == AgentState.FAILED) {
            out.add(k);
          }
        });
    return out;
  }

  /**
   * An agent that started matching the task during the rollout: it waits for the last stage (or is
   * allowed at once when every stage has started already).
   */
  Rollout joined(String agent, Instant now) {
    if (agents.containsKey(agent)) {
      return this;
    }
    Map<String, AgentState> a = new LinkedHashMap<>(agents);
    List<List<String>> s = new ArrayList<>(stages);
    boolean allStarted = started == stages.size();
    if (s.isEmpty() || allStarted) {
      s.add(List.of(agent));
    } else {
      List<String> last = new ArrayList<>(s.get(s.size() - 1));
      last.add(agent);
      s.set(s.size() - 1, last);
    }
    a.put(agent, AgentState.WAITING);
    Rollout r =
        new Rollout(
            task, commit, spec, startedAt, s, started, a, failures, stageCompletedAt, halted);
    if (allStarted && halted == null) {
      // The rollout has reached everyone already: a newcomer follows at once, like a new stage.
      return r.startNextStage(now);
    }
    return r;
  }

  /**
   * An agent of the rollout that stopped matching the task or disconnected before it reported: it
   * no longer holds up its stage (it is forgotten; if it comes back it joins again).
   */
  Rollout left(String agent, Instant now) {
    AgentState s = agents.get(agent);
    if (s == null || s == AgentState.DONE || s == AgentState.FAILED) {
      return this;
    }
    Map<String, AgentState> a = new LinkedHashMap<>(agents);
    a.remove(agent);
    List<List<String>> st = new ArrayList<>();
    for (List<String> stage : stages) {
      List<String> copy = new ArrayList<>(stage);
      copy.remove(agent);
      st.add(copy);
    }
    Rollout r =
        new Rollout(
            task, commit, spec, startedAt, st, started, a, failures, stageCompletedAt, halted);
    if (r.stageCompletedAt == null && r.stageComplete()) {
      r = r.withCompletedAt(now);
    }
    return r.advance(now);
  }

  /**
   * A person resumes a halted rollout: the failures are forgotten and the next stage starts now (no
   * pause: the person decided). Not halted: unchanged.
   */
  Rollout resume(Instant now) {
    if (halted == null) {
      return this;
    }
    Rollout r = new Rollout(task, commit, spec, startedAt, stages, started, agents, 0, null, null);
    if (started < stages.size()) {
      r = r.startNextStage(now);
    } else if (r.stageComplete()) {
      r = r.withCompletedAt(now);
    }
    return r.advance(now);
  }

  /** The agents allowed now that {@code before} did not allow. */
  List<String> newlyAllowed(Rollout before) {
    List<String> out = new ArrayList<>();
    agents.forEach(
        (agent, s) -> {
          if (s != AgentState.WAITING && (before == null || !before.allowed(agent))) {
            out.add(agent);
          }
        });
    return out;
  }

  int count(AgentState s) {
    return (int) agents.values().stream().filter(v -> v == s).count();
  }

  /** {@code running}, {@code paused} (between stages), {@code halted} or {@code done}. */
  String state() {
    if (halted != null) {
      return "halted";
    }
    if (isDone()) {
      return "done";
    }
    return stageComplete() ? "paused" : "running";
  }

  /** {@code canary}, {@code batch 2 of 4}, or {@code -} before any stage. */
  String stageName() {
    if (started == 0) {
      return "-";
    }
    boolean hasCanary = spec.canary() > 0 && !stages.isEmpty();
    int batches = stages.size() - (hasCanary ? 1 : 0);
    if (hasCanary && started == 1) {
      return "canary";
    }
    return "batch " + (started - (hasCanary ? 1 : 0)) + " of " + batches;
  }

  /** The read model of the API, the CLI and the UI. */
  Dto.RolloutStatus toStatus(Instant now) {
    Instant next = nextStageAt();
    return new Dto.RolloutStatus(
        task,
        commit,
        state(),
        stageName(),
        started,
        stages.size(),
        agents.size(),
        count(AgentState.DONE),
        count(AgentState.FAILED),
        count(AgentState.ALLOWED),
        count(AgentState.WAITING),
        spec.canary(),
        spec.batchText(),
        spec.maxFailures(),
        dev.fluke.hcl.Durations.format(spec.pause()),
        startedAt,
        next != null && next.isAfter(now) ? next : null,
        halted,
        failedAgents(agents));
  }

  /** How long until {@link #nextStageAt} from {@code now} (zero when due), or null. */
  Duration untilNextStage(Instant now) {
    Instant next = nextStageAt();
    if (next == null) {
      return null;
    }
    return next.isAfter(now) ? Duration.between(now, next) : Duration.ZERO;
  }
}
