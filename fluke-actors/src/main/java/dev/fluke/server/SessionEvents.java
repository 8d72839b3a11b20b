package dev.fluke.server;

import dev.fluke.events.Event;
import dev.fluke.events.EventStore;
import dev.fluke.exec.Phase;
import dev.fluke.exec.StepResult;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.time.Clock;

/**
 * Turns what one agent reported into {@link Event}s: one per check, apply and verify step of every
 * executor block (SPEC §4 step 5), each also counted in {@code fluke_steps_total} and {@code
 * fluke_step_duration_seconds}. Appends are fire-and-forget: the store completes on its own threads
 * and a slow store never holds up the session. Event times come from the engine's clock.
 */
final class SessionEvents {
  private final String agent;
  private final EventStore store;
  private final FlukeMetrics metrics;
  private final Clock clock;

  SessionEvents(String agent, EventStore store, FlukeMetrics metrics, Clock clock) {
    this.agent = agent;
    this.store = store;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Every step of every block of a task's outcome; {@code note} explains unusual results ("late").
   */
  void steps(TaskSpec spec, TaskOutcome outcome, String note) {
    for (int i = 0; i < outcome.executors().size(); i++) {
      ExecutorOutcome eo = outcome.executors().get(i);
      ExecutorSpec match = spec == null ? null : TaskVerdict.match(spec, eo, i);
      String label = match != null ? match.label() : eo.executor();
      step(outcome.task(), label, eo.check(), note);
      step(outcome.task(), label, eo.apply(), note);
      step(outcome.task(), label, eo.verify(), note);
    }
  }

  /** The agent moves to another node (cluster rebalancing): recorded and counted. */
  void moved(String why) {
    metrics.agentMoved();
    agent("moved", why);
  }

  /** A step the server decided itself, e.g. a timeout (not a step an agent ran: not counted). */
  void task(Phase phase, String task, String outcome, String output, String message) {
    store.append(Event.serverStep(clock.instant(), agent, task, phase, outcome, output, message));
  }

  /** A connection event: connected, disconnected, evicted, protocol_violation, moved. */
  void agent(String outcome, String message) {
    store.append(Event.agent(clock.instant(), agent, outcome, message));
  }

  private void step(String task, String executor, StepResult step, String note) {
    if (step == null) {
      return;
    }
    metrics.stepCompleted(step.phase(), step.outcome(), step.duration());
    String message =
        note.isEmpty()
            ? step.message()
            : step.message().isEmpty() ? note : note + "; " + step.message();
    store.append(Event.step(clock.instant(), agent, task, executor, step, message));
  }
}
