package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Status;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.hcl.Durations;
import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.OnFailure;
import dev.fluke.manifest.Selector;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure decisions of the engine: policy, verdicts, trigger merging, backoff, interval slots. */
class EngineLogicTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static TaskSpec spec(String... execs) {
    List<ExecutorSpec> list = new java.util.ArrayList<>();
    for (String e : execs) {
      String[] tn = e.split(":");
      list.add(new ExecutorSpec(tn[0], tn[1], Map.of(), OnFailure.ABORT, SourcePos.UNKNOWN));
    }
    return new TaskSpec("t", "", Optional.empty(), new Selector(Map.of()), list, SourcePos.UNKNOWN);
  }

  private static ExecutorOutcome checked(String label, Outcome o) {
    return new ExecutorOutcome(label, null, TestAgent.step(Phase.CHECK, o), null, null);
  }

  @Test
  void policyDecidesWhetherToApplyAndWhatToAnnounce() {
    assertEquals(
        new DriftDecision(true, false, false),
        DriftDecision.onDrift(DriftPolicy.REMEDIATE, false, true));
    assertEquals(
        new DriftDecision(true, false, false),
        DriftDecision.onDrift(DriftPolicy.REMEDIATE_AND_ALERT, false, true));
    assertEquals(
        new DriftDecision(false, true, true),
        DriftDecision.onDrift(DriftPolicy.ALERT_ONLY, false, true));
    assertEquals(
        new DriftDecision(false, true, false),
        DriftDecision.onDrift(DriftPolicy.ALERT_ONLY, false, false),
        "without a webhook the alert is only an event: the task is not shown as alerted");
    for (DriftPolicy p : DriftPolicy.values()) {
      assertTrue(DriftDecision.onDrift(p, true, true).apply(), "manual always applies: " + p);
      assertFalse(DriftDecision.onDrift(p, true, true).alertDetected());
      assertEquals(
          p == DriftPolicy.REMEDIATE_AND_ALERT,
          DriftDecision.alertRemediated(p),
          "only remediate_and_alert announces remediations: " + p);
    }
  }

  @Test
  void checkVerdictPutsExecutionErrorsAboveDrift() {
    TaskSpec s = spec("shell:a", "mise:b");
    TaskVerdict v =
        TaskVerdict.ofCheck(
            s,
            new TaskOutcome(
                "t",
                List.of(
                    checked("shell \"a\"", Outcome.DRIFTED), checked("mise \"b\"", Outcome.ERROR))),
            NOW);
    assertEquals(Status.ERROR, v.status());
    assertEquals("mise \"b\": check could not run: mise: command not found", v.message());
    assertEquals(
        List.of(Status.DRIFTED, Status.ERROR),
        v.executors().stream().map(e -> e.status()).toList());
    assertEquals(List.of("a", "b"), v.executors().stream().map(e -> e.name()).toList());

    assertEquals(
        Status.DRIFTED,
        TaskVerdict.ofCheck(
                s,
                new TaskOutcome(
                    "t", List.of(checked("a", Outcome.SATISFIED), checked("b", Outcome.DRIFTED))),
                NOW)
            .status());
    assertEquals(
        Status.SATISFIED,
        TaskVerdict.ofCheck(
                s,
                new TaskOutcome(
                    "t", List.of(checked("a", Outcome.SATISFIED), checked("b", Outcome.SATISFIED))),
                NOW)
            .status());
    assertEquals(
        Status.ERROR, TaskVerdict.ofCheck(s, new TaskOutcome("t", List.of()), NOW).status());
  }

  @Test
  void applyVerdictReportsACheckThatStillFailsAfterASuccessfulApply() {
    TaskSpec s = spec("shell:a", "shell:b");
    TaskVerdict stillDrifted =
        TaskVerdict.ofApply(s, TestAgent.applied(s, Outcome.APPLIED, Outcome.DRIFTED), NOW);
    assertEquals(Status.FAILED, stillDrifted.status());
    assertEquals(TaskVerdict.STILL_DRIFTED, stillDrifted.message());
    assertEquals("failed", stillDrifted.remediationOutcome());

    TaskVerdict failed = TaskVerdict.ofApply(s, TestAgent.applied(s, Outcome.FAILED, null), NOW);
    assertEquals(Status.FAILED, failed.status());
    assertTrue(failed.message().startsWith("shell \"a\": apply failed (exit 1)"), failed.message());

    TaskVerdict ok =
        TaskVerdict.ofApply(s, TestAgent.applied(s, Outcome.APPLIED, Outcome.SATISFIED), NOW);
    assertEquals(Status.SATISFIED, ok.status());
    assertEquals("applied", ok.remediationOutcome());
    assertEquals("verify", ok.executors().get(0).phase());

    // A block already satisfied by the fresh check is neither applied nor verified.
    TaskVerdict fresh =
        TaskVerdict.ofApply(
            s,
            new TaskOutcome(
                "t",
                List.of(
                    checked("shell \"a\"", Outcome.SATISFIED),
                    checked("shell \"b\"", Outcome.SATISFIED))),
            NOW);
    assertEquals(Status.SATISFIED, fresh.status());
  }

  @Test
  void outcomesAreMatchedToBlocksByLabelNameOrPosition() {
    TaskSpec s = spec("shell:a", "mise:a");
    assertEquals("mise", TaskVerdict.match(s, checked("mise \"a\"", Outcome.SATISFIED), 0).type());
    assertEquals("shell", TaskVerdict.match(s, checked("a", Outcome.SATISFIED), 0).type());
    assertEquals("mise", TaskVerdict.match(s, checked("a", Outcome.SATISFIED), 1).type());
    assertNull(TaskVerdict.match(s, checked("zzz", Outcome.SATISFIED), 5));
  }

  @Test
  void triggersMergeIntoOneRequestThatDoesWhatEachWould() {
    CycleRequest manualTask = CycleRequest.manual(Set.of("cert"), 1);
    assertFalse(manualTask.full());
    assertTrue(manualTask.isManual("cert"));
    assertFalse(manualTask.isManual("app"));

    CycleRequest merged = manualTask.merge(CycleRequest.AUTOMATIC);
    assertTrue(merged.full(), "an automatic trigger widens the cycle to every task");
    assertTrue(merged.isManual("cert"), "and the manual one stays manual");
    assertFalse(merged.isManual("app"));
    assertTrue(CycleRequest.AUTOMATIC.merge(CycleRequest.manual(Set.of(), 1)).isManual("app"));
    assertEquals(
        Set.of("a", "b"),
        CycleRequest.manual(Set.of("a"), 1)
            .merge(CycleRequest.manual(Set.of("b"), 2))
            .manualTasks());
    assertEquals(
        2,
        CycleRequest.manual(Set.of("b"), 2)
            .merge(CycleRequest.manual(Set.of("a"), 1))
            .manualRequest(),
        "a merged cycle serves the newest manual request");

    TaskSpec a =
        new TaskSpec(
            "a", "", Optional.empty(), new Selector(Map.of()), List.of(), SourcePos.UNKNOWN);
    TaskSpec b =
        new TaskSpec(
            "b", "", Optional.empty(), new Selector(Map.of()), List.of(), SourcePos.UNKNOWN);
    assertEquals(List.of(b), CycleRequest.manual(Set.of("b"), 2).select(List.of(a, b)));
    assertEquals(List.of(a, b), CycleRequest.AUTOMATIC.select(List.of(a, b)));
  }

  @Test
  void retryBackoffDoublesFromTheMinimumUpToTheCap() {
    Duration min = Duration.ofSeconds(15);
    Duration cap = Duration.ofSeconds(60);
    assertEquals(
        List.of(15L, 30L, 60L, 60L, 60L),
        List.of(1, 2, 3, 4, 50).stream().map(n -> Backoff.delay(n, min, cap).toSeconds()).toList());
    assertEquals(Duration.ofSeconds(10), Backoff.delay(1, min, Duration.ofSeconds(10)));
  }

  @Test
  void retryCapIsTheSmallerOfMaximumAndInterval() {
    ServerSettings.Reconcile r =
        new ServerSettings.Reconcile(
            Duration.ofSeconds(60),
            DriftPolicy.REMEDIATE,
            Duration.ofMinutes(1),
            Duration.ofMinutes(1),
            Duration.ofSeconds(15),
            Duration.ofHours(1));
    assertEquals(Duration.ofSeconds(60), r.retryCap());
  }

  @Test
  void intervalSlotsAreStablePerAgentAndSpreadOverTheInterval() {
    Duration interval = Duration.ofSeconds(60);
    assertEquals(
        ServerSettings.Reconcile.slotOf("web-01", interval),
        ServerSettings.Reconcile.slotOf("web-01", interval));
    Set<Long> seconds = new HashSet<>();
    int[] perQuarter = new int[4];
    for (int i = 0; i < 1000; i++) {
      Duration d = ServerSettings.Reconcile.slotOf("host-" + i, interval);
      assertTrue(!d.isNegative() && d.compareTo(interval) <= 0 && !d.isZero(), d.toString());
      seconds.add(d.toSeconds());
      perQuarter[(int) Math.min(3, d.toMillis() * 4 / interval.toMillis())]++;
    }
    assertTrue(seconds.size() > 50, "1000 agents land on " + seconds.size() + " distinct seconds");
    for (int q : perQuarter) {
      assertTrue(
          q > 150,
          "every quarter of the interval gets a share: " + java.util.Arrays.toString(perQuarter));
    }
  }

  @Test
  void durationsReadLikeServerHcl() {
    assertEquals("10m", Durations.format(Duration.ofMinutes(10)));
    assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
    assertEquals("15s", Durations.format(Duration.ofSeconds(15)));
    assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
  }
}
