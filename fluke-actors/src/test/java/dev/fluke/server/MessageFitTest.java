package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an agent's message is to the cycle in flight; no actors involved. */
class MessageFitTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final TaskSpec A = Tasks.spec("a", DriftPolicy.REMEDIATE, "shell:a");
  private static final TaskSpec B = Tasks.spec("b", DriftPolicy.REMEDIATE, "shell:b");

  private static AgentMessage.CheckReport report(long cycle, Outcome a, Outcome b) {
    return new AgentMessage.CheckReport(cycle, List.of(outcome("a", a), outcome("b", b)));
  }

  private static AgentMessage.TaskOutcome outcome(String task, Outcome o) {
    return new AgentMessage.TaskOutcome(
        task,
        List.of(
            new AgentMessage.ExecutorOutcome(
                "shell \"" + task + "\"", "shell", TestAgent.step(Phase.CHECK, o), null, null)));
  }

  private static AgentMessage.ApplyResult result(long cycle, TaskSpec task, boolean late) {
    return new AgentMessage.ApplyResult(
        cycle, TestAgent.applied(task, Outcome.APPLIED, Outcome.SATISFIED), late);
  }

  private static Cycle checking() {
    return Cycle.checking(7, CycleRequest.AUTOMATIC, List.of(A, B));
  }

  /** Cycle 7 applying a (b is queued after it). */
  private static Cycle applyingA() {
    Cycle.CheckStep step =
        checking()
            .onCheckReport(
                report(7, Outcome.DRIFTED, Outcome.DRIFTED),
                t -> t.driftPolicy().orElseThrow(),
                true,
                NOW);
    Cycle next = assertInstanceOf(Cycle.Judged.class, step).next().nextApply();
    assertEquals(A, next.applying());
    return next;
  }

  @Test
  void withNoCycleInFlightResultsAreOutsideAndTheRestIgnored() {
    assertInstanceOf(
        MessageFit.Outside.class, MessageFit.of(null, result(7, A, false)), "recorded, not lost");
    assertInstanceOf(
        MessageFit.Ignored.class,
        MessageFit.of(null, report(7, Outcome.SATISFIED, Outcome.SATISFIED)));
    assertInstanceOf(
        MessageFit.Ignored.class,
        MessageFit.of(null, new AgentMessage.ApplyOutput(7, "a", "shell", "line")));
  }

  @Test
  void aCheckingCycleTakesItsOwnReport() {
    AgentMessage.CheckReport mine = report(7, Outcome.SATISFIED, Outcome.DRIFTED);
    assertEquals(new MessageFit.Checked(mine), MessageFit.of(checking(), mine));
    assertInstanceOf(
        MessageFit.Ignored.class,
        MessageFit.of(checking(), report(6, Outcome.SATISFIED, Outcome.SATISFIED)),
        "a report of another cycle");
  }

  @Test
  void aResultTheCheckingCycleNeverRequestedBreaksTheProtocol() {
    MessageFit fit = MessageFit.of(checking(), result(7, A, false));
    assertEquals(
        "ApplyResult for task 'a' in cycle 7, which requested no apply of it",
        assertInstanceOf(MessageFit.Broken.class, fit).reason());
  }

  @Test
  void anApplyingCycleTakesTheOutputAndResultOfItsApplyOnly() {
    Cycle c = applyingA();
    AgentMessage.ApplyOutput line = new AgentMessage.ApplyOutput(7, "a", "shell", "deploying");
    assertEquals(new MessageFit.Output(line), MessageFit.of(c, line));
    assertInstanceOf(
        MessageFit.Ignored.class,
        MessageFit.of(c, new AgentMessage.ApplyOutput(7, "b", "shell", "x")),
        "output of an apply not in flight (cancelled)");
    AgentMessage.ApplyResult done = result(7, A, false);
    assertEquals(new MessageFit.Applied(done), MessageFit.of(c, done));
  }

  @Test
  void anApplyingCycleRecordsLateResultsAndRefusesWhatItCannotHave() {
    Cycle c = applyingA();
    assertInstanceOf(MessageFit.Outside.class, MessageFit.of(c, result(7, A, true)), "late");
    assertInstanceOf(MessageFit.Outside.class, MessageFit.of(c, result(5, A, false)));
    assertEquals(
        "ApplyResult for task 'b' in cycle 7, but 'a' was requested",
        assertInstanceOf(MessageFit.Broken.class, MessageFit.of(c, result(7, B, false))).reason());
    assertInstanceOf(
        MessageFit.Broken.class,
        MessageFit.of(c, report(7, Outcome.SATISFIED, Outcome.SATISFIED)),
        "a second report of the cycle");
  }
}
