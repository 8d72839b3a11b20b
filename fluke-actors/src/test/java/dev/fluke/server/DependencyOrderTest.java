package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.fluke.api.Status;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code depends_on} inside one cycle on one agent (issue 10), on the pure {@link Cycle}. */
class DependencyOrderTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final TaskSpec BASE = Tasks.spec("base", DriftPolicy.REMEDIATE, "shell:base");
  private static final TaskSpec USERS =
      Tasks.dependingOn(Tasks.spec("users", DriftPolicy.REMEDIATE, "shell:users"), "base");
  // Declared first, applied last: it needs both.
  private static final TaskSpec APP =
      Tasks.dependingOn(Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:app"), "users", "base");
  private static final TaskSpec OTHER = Tasks.spec("other", DriftPolicy.REMEDIATE, "shell:o");

  private static AgentMessage.CheckReport report(long cycle, Map<String, Outcome> outcomes) {
    List<TaskOutcome> tasks = new ArrayList<>();
    outcomes.forEach(
        (task, o) ->
            tasks.add(
                new TaskOutcome(
                    task,
                    List.of(
                        new ExecutorOutcome(
                            "shell \"" + task + "\"",
                            "shell",
                            TestAgent.step(Phase.CHECK, o),
                            null,
                            null)))));
    return new AgentMessage.CheckReport(cycle, tasks);
  }

  private static Map<String, Outcome> outcomes(Object... taskAndOutcome) {
    Map<String, Outcome> m = new LinkedHashMap<>();
    for (int i = 0; i < taskAndOutcome.length; i += 2) {
      m.put((String) taskAndOutcome[i], (Outcome) taskAndOutcome[i + 1]);
    }
    return m;
  }

  private static Cycle judged(Cycle c, Map<String, Outcome> o, TaskGates gates) {
    return assertInstanceOf(
            Cycle.Judged.class,
            c.onCheckReport(
                report(c.id(), o), t -> t.driftPolicy().orElseThrow(), false, NOW, gates))
        .next();
  }

  private static final TaskVerdict OK = new TaskVerdict(Status.SATISFIED, "", List.of());
  private static final TaskVerdict FAILED = new TaskVerdict(Status.FAILED, "boom", List.of());

  @Test
  void dependenciesAreAppliedFirstAndDeclarationOrderBreaksTies() {
    Cycle c = Cycle.checking(1, CycleRequest.AUTOMATIC, List.of(APP, OTHER, BASE, USERS));
    Cycle j =
        judged(
            c,
            outcomes(
                "app", Outcome.DRIFTED,
                "other", Outcome.DRIFTED,
                "base", Outcome.DRIFTED,
                "users", Outcome.DRIFTED),
            TaskGates.NONE);
    List<String> order = new ArrayList<>();
    for (Cycle next = j.nextApply(); next != null; next = next.applied(OK).nextApply()) {
      order.add(next.applying().name());
    }
    assertEquals(List.of("other", "base", "users", "app"), order);
  }

  @Test
  void aDependentWaitsWhenItsDependencyFailsAndTheRestGoesOn() {
    Cycle c = Cycle.checking(1, CycleRequest.AUTOMATIC, List.of(APP, BASE, USERS, OTHER));
    Cycle j =
        judged(
            c,
            outcomes(
                "app", Outcome.DRIFTED,
                "base", Outcome.SATISFIED,
                "users", Outcome.DRIFTED,
                "other", Outcome.DRIFTED),
            TaskGates.NONE);
    Cycle users = j.nextApply();
    assertEquals("users", users.applying().name(), "base is satisfied already");
    Cycle other = users.applied(FAILED).nextApply();
    assertEquals("other", other.applying().name());
    Cycle end = other.applied(OK);
    assertNull(end.nextApply());
    Cycle settled = end.settled();
    assertEquals(1, settled.waiting().size());
    assertEquals("app", settled.waiting().get(0).spec().name());
    assertEquals(
        "waiting for dependency 'users': failed on this agent; applied once it is satisfied",
        settled.waiting().get(0).reason());
  }

  @Test
  void aDependencyThatIsNotMatchedOrOnlyDriftedHoldsItsDependentsTransitively() {
    // users is not requested and not matched on this agent (known: null); app waits for it too.
    Cycle c = Cycle.checking(1, CycleRequest.AUTOMATIC, List.of(APP, BASE));
    Cycle j = judged(c, outcomes("app", Outcome.DRIFTED, "base", Outcome.DRIFTED), TaskGates.NONE);
    Cycle base = j.nextApply();
    assertEquals("base", base.applying().name());
    Cycle settled = base.applied(OK).settled();
    assertNull(settled.nextApply());
    assertEquals(
        "waiting for dependency 'users': not matched on this agent; applied once it is satisfied",
        settled.waiting().get(0).reason());
  }

  @Test
  void aManualCycleOfOneTaskUsesTheKnownStatusOfItsDependencies() {
    TaskSpec app = Tasks.dependingOn(Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:a"), "base");
    Cycle c = Cycle.checking(1, CycleRequest.manual(Set.of("app"), 5), List.of(app));
    TaskGates known =
        new TaskGates(t -> t.equals("base") ? Status.SATISFIED : null, s -> false, s -> false);
    assertEquals(
        "app", judged(c, outcomes("app", Outcome.DRIFTED), known).nextApply().applying().name());

    TaskGates drifted =
        new TaskGates(t -> t.equals("base") ? Status.DRIFTED : null, s -> false, s -> false);
    Cycle held = judged(c, outcomes("app", Outcome.DRIFTED), drifted);
    assertNull(held.nextApply());
    assertEquals(
        "waiting for dependency 'base': drifted on this agent; applied once it is satisfied",
        held.settled().waiting().get(0).reason());
  }

  @Test
  void flappingAndRolloutGatesHoldAutomaticAppliesOnly() {
    TaskGates holdAll = new TaskGates(t -> null, s -> true, s -> false);
    Cycle auto = Cycle.checking(1, CycleRequest.AUTOMATIC, List.of(OTHER));
    var j =
        assertInstanceOf(
            Cycle.Judged.class,
            auto.onCheckReport(
                report(1, outcomes("other", Outcome.DRIFTED)),
                t -> t.driftPolicy().orElseThrow(),
                false,
                NOW,
                holdAll));
    assertEquals(List.of(), j.next().queue());
    assertEquals(DriftDecision.Hold.FLAPPING, j.tasks().get(0).decision().hold());

    Cycle manual = Cycle.checking(2, CycleRequest.manual(Set.of("other"), 3), List.of(OTHER));
    assertEquals(
        List.of(OTHER), judged(manual, outcomes("other", Outcome.DRIFTED), holdAll).queue());

    TaskGates rollout = new TaskGates(t -> null, s -> true, s -> true);
    var r =
        assertInstanceOf(
            Cycle.Judged.class,
            auto.onCheckReport(
                report(1, outcomes("other", Outcome.DRIFTED)),
                t -> t.driftPolicy().orElseThrow(),
                false,
                NOW,
                rollout));
    assertEquals(DriftDecision.Hold.ROLLOUT, r.tasks().get(0).decision().hold());
  }
}
