package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.FlapLimit;
import dev.fluke.manifest.RolloutSpec;
import dev.fluke.manifest.TaskSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** What holds a drifted task back on one agent, as a runner's cycle sees it. */
class CycleGatesTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
  private static final FlapLimit TWO_PER_HOUR = new FlapLimit(2, Duration.ofHours(1));
  private static final TaskSpec APP = Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:a");
  private static final TaskSpec DB = Tasks.spec("db", DriftPolicy.REMEDIATE, "shell:b");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static AgentTasks tasks() {
    return new AgentTasks(
        "web-01",
        Map.of("role", "web"),
        DriftPolicy.REMEDIATE,
        KIT.<CycleRunner.Command>createTestProbe().ref(),
        KIT.<DriftAlerter.Command>createTestProbe().ref());
  }

  private static CycleGates gates(Suspensions s, Optional<RolloutSpec> rollout) {
    return new CycleGates("web-01", s, rollout, TWO_PER_HOUR);
  }

  private static void flapTwice(CycleGates g, String task) {
    g.flaps().remediated(task, TWO_PER_HOUR, T0);
    g.flaps().remediated(task, TWO_PER_HOUR, T0.plusSeconds(60));
  }

  @Test
  void aTaskRemediatedTooOftenIsHeldUntilAPersonReconcilesItByHand() {
    CycleGates g = gates(Suspensions.restoredEmpty(), Optional.empty());
    flapTwice(g, "app");
    flapTwice(g, "db");
    TaskGates now = g.of(tasks(), CycleRequest.AUTOMATIC, 1, T0.plusSeconds(120));
    assertTrue(now.of(APP).flapping());

    g.checkedByHand(Cycle.checking(1, CycleRequest.manual(Set.of("app"), 7), List.of(APP, DB)));
    TaskGates after = g.of(tasks(), CycleRequest.AUTOMATIC, 1, T0.plusSeconds(120));
    assertFalse(after.of(APP).flapping(), "the task reconciled by hand counts from zero");
    assertTrue(after.of(DB).flapping(), "the other task is still held");

    g.newCommit();
    assertFalse(g.of(tasks(), CycleRequest.AUTOMATIC, 1, T0.plusSeconds(120)).of(DB).flapping());
  }

  @Test
  void aSuspendedTaskCarriesItsSuspensionAndAForcedManualRequestPassesIt() {
    Suspensions s = Suspensions.restoredEmpty();
    s.put(new Suspension(TargetKind.TASK, "app", "alice", "db migration", T0, null));
    CycleGates g = gates(s, Optional.empty());
    Gates held = g.of(tasks(), CycleRequest.AUTOMATIC, 1, T0).of(APP);
    assertTrue(held.suspended().contains("suspended by alice"), held.suspended());
    assertNull(g.of(tasks(), CycleRequest.AUTOMATIC, 1, T0).of(DB).suspended());
    assertTrue(g.of(tasks(), CycleRequest.manual(Set.of(), 1, true), 1, T0).of(APP).force());
  }

  @Test
  void aTaskWithARolloutIsHeldUntilItsReconcilerAllowsThatVeryDefinition() {
    CycleGates g =
        gates(
            Suspensions.restoredEmpty(), Optional.of(new RolloutSpec(1, 50, 0, 0, Duration.ZERO)));
    assertTrue(g.of(tasks(), CycleRequest.AUTOMATIC, 1, T0).of(APP).rolloutHeld(), "fail safe");
    g.rolloutGate(
        new CycleRunner.RolloutGate(
            APP, true, null, KIT.<TaskReconciler.Command>createTestProbe().ref()),
        1);
    assertFalse(g.of(tasks(), CycleRequest.AUTOMATIC, 1, T0).of(APP).rolloutHeld());
    TaskSpec changed = Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:other");
    g.rolloutGate(
        new CycleRunner.RolloutGate(
            DB, true, null, KIT.<TaskReconciler.Command>createTestProbe().ref()),
        5);
    assertTrue(
        g.of(tasks(), CycleRequest.AUTOMATIC, 4, T0).of(DB).rolloutHeld(),
        "an allowance from cycle 5 on does not reach the cycle in flight when it came");
    assertFalse(g.of(tasks(), CycleRequest.AUTOMATIC, 5, T0).of(DB).rolloutHeld());
    assertTrue(
        g.of(tasks(), CycleRequest.AUTOMATIC, 1, T0).of(changed).rolloutHeld(),
        "another definition of the task waits for its own allowance");
  }
}
