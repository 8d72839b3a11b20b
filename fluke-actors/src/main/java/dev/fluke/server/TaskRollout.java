package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.events.Event;
import dev.fluke.events.EventStore;
import dev.fluke.manifest.RolloutSpec;
import dev.fluke.manifest.TaskSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * The rollout side of one {@link TaskReconciler} (issue 10): holds the task's current {@link
 * Rollout} (per definition and commit), tells the agents' runners whether they may remediate
 * ({@link CycleRunner.RolloutGate}), and announces a halt once (event {@code rollout/halted} and
 * alert {@code rollout_halted}). A new definition of a task with a {@code rollout} first
 * <em>gathers</em> the agents that push its status for {@link #GATHER} (the runners rematch right
 * after the commit; none remediates meanwhile), then starts with them; agents seen later join the
 * last stage. Plain and mutable, used on the reconciler's thread only; the reconciler runs the
 * timers it asks for.
 */
final class TaskRollout {
  /** How long a new rollout waits for the matched agents to report before its first stage. */
  static final Duration GATHER = Duration.ofSeconds(2);

  private final ActorRef<TaskReconciler.Command> self;
  private final Optional<RolloutSpec> fleetDefault;
  private final ActorRef<DriftAlerter.Command> alerter;
  private final EventStore events;
  private final Logger log;
  private TaskSpec spec;
  private String commit;
  private Rollout rollout;
  private boolean gathering;
  private Instant gatheringSince;

  TaskRollout(
      ActorRef<TaskReconciler.Command> self,
      Optional<RolloutSpec> fleetDefault,
      ActorRef<DriftAlerter.Command> alerter,
      EventStore events,
      Logger log) {
    this.self = self;
    this.fleetDefault = fleetDefault;
    this.alerter = alerter;
    this.events = events;
    this.log = log;
  }

  private Optional<RolloutSpec> rolloutSpec() {
    return spec == null ? Optional.empty() : spec.rollout().or(() -> fleetDefault);
  }

  /**
   * The task is (re)defined; a new definition with a rollout starts gathering. Returns true when
   * the caller should start the gathering timer.
   */
  boolean defined(TaskSpec newSpec, String newCommit, Instant now) {
    if (newSpec.equals(spec)) {
      return false; // the same definition: its rollout (even halted) goes on
    }
    spec = newSpec;
    commit = newCommit;
    rollout = null;
    gathering = rolloutSpec().isPresent();
    gatheringSince = now;
    return gathering;
  }

  /**
   * The gathering time is over: the rollout starts over {@code connected} agents, or keeps
   * gathering while there are none (returns true: start the timer again once one is seen).
   */
  void gathered(
      List<String> connected, Map<String, ActorRef<CycleRunner.Command>> runners, Instant now) {
    if (!gathering) {
      return;
    }
    if (connected.isEmpty()) {
      gatheringSince = null; // restarted by the first agent seen
      return;
    }
    gathering = false;
    change(
        Rollout.start(spec.name(), commit, rolloutSpec().orElseThrow(), connected, now),
        runners,
        now);
  }

  /**
   * An agent pushed its status with {@code runner} ({@code newRunner}: a runner this reconciler had
   * not seen for it). Returns true when the gathering timer must start.
   */
  boolean seen(
      String agent,
      ActorRef<CycleRunner.Command> runner,
      boolean newRunner,
      Map<String, ActorRef<CycleRunner.Command>> runners,
      Instant now) {
    if (gathering) {
      if (gatheringSince == null) {
        gatheringSince = now;
        return true;
      }
      return false;
    }
    if (rollout == null) {
      return false;
    }
    if (!rollout.agents().containsKey(agent)) {
      change(rollout.joined(agent, now), runners, now);
      newRunner = !rollout.allowed(agent); // allowed ones were told by change()
    }
    if (newRunner) {
      tell(runner, agent);
    }
    return false;
  }

  void gone(String agent, Map<String, ActorRef<CycleRunner.Command>> runners, Instant now) {
    if (rollout != null) {
      change(rollout.left(agent, now), runners, now);
    }
  }

  void reported(
      String agent,
      TaskSpec of,
      boolean ok,
      Map<String, ActorRef<CycleRunner.Command>> runners,
      Instant now) {
    if (rollout != null && of.equals(spec)) {
      change(rollout.report(agent, ok, now), runners, now);
    }
  }

  void tick(Map<String, ActorRef<CycleRunner.Command>> runners, Instant now) {
    if (rollout != null) {
      change(rollout.advance(now), runners, now);
    }
  }

  /** A person resumes the halted rollout; the status after it, or empty when there is none. */
  Optional<Dto.RolloutStatus> resume(
      String who, Map<String, ActorRef<CycleRunner.Command>> runners, Instant now) {
    if (rollout == null) {
      return gathering ? Optional.of(status(now)) : Optional.empty();
    }
    if (rollout.isHalted()) {
      record(
          rolloutEvent(
              now,
              "resumed",
              "rollout of commit "
                  + shortCommit()
                  + " resumed by "
                  + who
                  + "; the next stage starts now"));
      log.info("Task {}: rollout of {} resumed by {}", spec.name(), shortCommit(), who);
      change(rollout.resume(now), runners, now);
    }
    return Optional.of(status(now));
  }

  /** When the caller should call {@link #tick} next, or null. */
  Duration untilNextStage(Instant now) {
    return rollout == null ? null : rollout.untilNextStage(now);
  }

  /** The read model, or null when the task has no rollout. */
  Dto.RolloutStatus status(Instant now) {
    if (rollout != null) {
      return rollout.toStatus(now);
    }
    if (!gathering) {
      return null;
    }
    RolloutSpec rs = rolloutSpec().orElseThrow();
    return new Dto.RolloutStatus(
        spec.name(),
        commit,
        "running",
        "-",
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        rs.canary(),
        rs.batchText(),
        rs.maxFailures(),
        dev.fluke.hcl.Durations.format(rs.pause()),
        gatheringSince,
        null,
        null,
        List.of());
  }

  private void change(
      Rollout next, Map<String, ActorRef<CycleRunner.Command>> runners, Instant now) {
    Rollout before = rollout;
    rollout = next;
    for (String agent : next.newlyAllowed(before)) {
      ActorRef<CycleRunner.Command> r = runners.get(agent);
      if (r != null) {
        r.tell(new CycleRunner.RolloutGate(spec, true, null, self));
      }
    }
    if (next.isHalted() && (before == null || !before.isHalted())) {
      halted(next, runners, now);
    }
  }

  private void halted(Rollout r, Map<String, ActorRef<CycleRunner.Command>> runners, Instant now) {
    log.warn("Task {}: rollout of {} halted: {}", spec.name(), shortCommit(), r.halted());
    record(
        rolloutEvent(
            now, "halted", "rollout of commit " + shortCommit() + " halted: " + r.halted()));
    if (alerter != null) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("commit", commit);
      details.put("reason", r.halted());
      details.put("failed_agents", r.toStatus(now).failedAgents());
      details.put("waiting_agents", r.count(Rollout.AgentState.WAITING));
      alerter.tell(new DriftAlerter.Announce("rollout_halted", null, null, spec.name(), details));
    }
    r.agents()
        .forEach(
            (agent, state) -> {
              if (state == Rollout.AgentState.WAITING && runners.get(agent) != null) {
                tell(runners.get(agent), agent);
              }
            });
  }

  /** Tells the agent's runner where it stands. */
  private void tell(ActorRef<CycleRunner.Command> runner, String agent) {
    if (rollout.allowed(agent)) {
      runner.tell(new CycleRunner.RolloutGate(spec, true, null, self));
    } else {
      runner.tell(new CycleRunner.RolloutGate(spec, false, heldReason(), self));
    }
  }

  private String heldReason() {
    if (rollout.isHalted()) {
      return "rollout halted: "
          + rollout.halted()
          + "; the old state is kept here until the rollout is resumed (UI, or POST"
          + " /api/v1/rollouts/"
          + spec.name()
          + "/resume)";
    }
    return "rollout of commit "
        + shortCommit()
        + ": not applied here until this agent's stage starts ("
        + rollout.stageName()
        + " in progress)";
  }

  private String shortCommit() {
    return commit == null ? "?" : commit.substring(0, Math.min(7, commit.length()));
  }

  private void record(Event e) {
    if (events != null) {
      events.append(e);
    }
  }

  private Event rolloutEvent(Instant now, String outcome, String message) {
    return new Event(now, "rollout", "", spec.name(), "", outcome, -1, 0, "", message);
  }

  /** The runners of connected agents, from the reconciler's entries. */
  static <E> Map<String, ActorRef<CycleRunner.Command>> runners(
      Map<String, E> entries, Function<E, ActorRef<CycleRunner.Command>> connectedRunner) {
    Map<String, ActorRef<CycleRunner.Command>> out = new LinkedHashMap<>();
    entries.forEach(
        (agent, e) -> {
          ActorRef<CycleRunner.Command> r = connectedRunner.apply(e);
          if (r != null) {
            out.put(agent, r);
          }
        });
    return out;
  }
}
