package dev.fluke.server;

import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;

/**
 * The apply queue of one runner's cycles: requests the next drifted task's apply from the agent (a
 * task no longer in force is given up instead), and keeps the running apply's output — the tail
 * shown in the agent's detail, each line on the live feed. Not an actor: {@link CycleSteps} calls
 * it on the runner's thread.
 */
final class ApplyQueue {
  private final String name;
  private final AgentTasks tasks;
  private final RunnerLink link;
  private final LiveHub live;
  private final OutputTail output;

  ApplyQueue(String name, AgentTasks tasks, RunnerLink link, LiveHub live, int outputLines) {
    this.name = name;
    this.tasks = tasks;
    this.link = link;
    this.live = live;
    this.output = new OutputTail(outputLines);
  }

  /**
   * Takes {@code c}'s next apply whose task is still in force and sends its ApplyRequest: the cycle
   * now applying it; or, none left, {@code c} settled (not applying).
   */
  Cycle next(Cycle c) {
    Cycle rest = c;
    for (Cycle next = rest.nextApply(); next != null; next = rest.nextApply()) {
      TaskSpec spec = next.applying();
      if (!tasks.current(spec)) {
        rest = next.givenUpOn();
        continue;
      }
      output.clear();
      live.applyStarted(name);
      tasks.change(spec.name(), TaskState::applying);
      link.send(new ServerMessage.ApplyRequest(next.id(), spec));
      return next;
    }
    return rest.settled();
  }

  /** A line of the apply in flight: kept in the tail and published on the live feed. */
  void output(AgentMessage.ApplyOutput o) {
    output.add(o.executor(), o.line());
    live.output(name, o.task(), o.executor(), o.line());
  }

  /** The running apply's last lines (empty when none runs). */
  OutputTail output() {
    return output;
  }
}
