package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Status;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One task's state on one agent, as verdicts come in. */
class TaskStateTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final TaskSpec APP = Tasks.spec("app", null, "shell:x");

  private static TaskVerdict verdict(Status s, String message) {
    return new TaskVerdict(s, message, List.of());
  }

  @Test
  void aFailedVerdictHoldsOverAPlainDriftedCheckUntilAppliedOrSatisfied() {
    TaskState s = TaskState.pending(APP, DriftPolicy.ALERT_ONLY);
    s = s.judged(verdict(Status.DRIFTED, "check exited 1"), T, false);
    assertEquals(T, s.since());
    s = s.judged(verdict(Status.FAILED, TaskVerdict.STILL_DRIFTED), T.plusSeconds(1), true);
    TaskState held = s.judged(verdict(Status.DRIFTED, "check exited 1"), T.plusSeconds(60), false);
    assertEquals(Status.FAILED, held.status());
    assertEquals(TaskVerdict.STILL_DRIFTED, held.message());
    assertEquals(T.plusSeconds(60), held.lastCheckedAt(), "the check is recorded all the same");
    assertEquals(T, held.since(), "still the same episode");

    assertEquals(
        Status.ERROR,
        held.judged(verdict(Status.ERROR, "could not run"), T, false).status(),
        "an execution error is news");
    assertEquals(
        Status.DRIFTED,
        held.judged(verdict(Status.DRIFTED, "x"), T, true).status(),
        "a new apply speaks for itself");
    TaskState fixed = held.judged(verdict(Status.SATISFIED, ""), T.plusSeconds(90), false);
    assertEquals(Status.SATISFIED, fixed.status());
    assertNull(fixed.since());
    assertTrue(fixed.episodeEndedSince(held));
  }

  @Test
  void alertedLastsForTheDriftEpisode() {
    TaskState s =
        TaskState.pending(APP, DriftPolicy.ALERT_ONLY)
            .judged(verdict(Status.DRIFTED, "x"), T, false)
            .withAlerted();
    assertTrue(s.judged(verdict(Status.DRIFTED, "x"), T, false).alerted());
    assertFalse(s.judged(verdict(Status.SATISFIED, ""), T, false).alerted());
  }

  @Test
  void aRedefinedTaskKeepsWhatIsKnownUnlessItsBlocksChanged() {
    TaskState s =
        TaskState.pending(APP, DriftPolicy.REMEDIATE)
            .judged(verdict(Status.DRIFTED, "x"), T, false);
    TaskState samePolicyChanged = s.redefine(APP, DriftPolicy.ALERT_ONLY);
    assertEquals(Status.DRIFTED, samePolicyChanged.status());
    assertEquals(DriftPolicy.ALERT_ONLY, samePolicyChanged.policy());
    TaskSpec other = Tasks.spec("app", null, "shell:x", "shell:y");
    assertEquals(2, s.redefine(other, DriftPolicy.REMEDIATE).executors().size());
  }
}
