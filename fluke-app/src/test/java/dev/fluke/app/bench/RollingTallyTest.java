package dev.fluke.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.app.bench.RollingTally.Alert;
import dev.fluke.app.bench.RollingTally.Apply;
import dev.fluke.app.bench.RollingTally.Episode;
import dev.fluke.app.bench.RollingTally.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

class RollingTallyTest {
  private static final Episode A1 = new Episode("bench-00000", "rolling_r1");
  private static final Episode B1 = new Episode("bench-00001", "rolling_r1");
  private static final Episode A2 = new Episode("bench-00000", "rolling_r2");

  private static List<Apply> ran(Episode... episodes) {
    List<Apply> log = new java.util.ArrayList<>();
    for (Episode e : episodes) {
      log.add(new Apply(false, e));
      log.add(new Apply(true, e));
    }
    return log;
  }

  private static Alert remediated(Episode e) {
    return new Alert("drift_remediated", e);
  }

  @Test
  void everyApplyRecordedOnceAndAlertedOnceIsClean() {
    RollingTally t =
        RollingTally.of(
            ran(A1, B1, A2),
            List.of(new Result(A1, false), new Result(B1, true), new Result(A2, false)),
            0,
            List.of(remediated(A1), remediated(B1), remediated(A2)));
    assertEquals(3, t.applies());
    assertEquals(3, t.recorded());
    assertEquals(1, t.late());
    assertEquals(0, t.lost());
    assertEquals(0, t.twice());
    assertEquals(0, t.duplicateAlerts());
    assertEquals(0, t.missingAlerts());
    assertTrue(t.clean());
  }

  @Test
  void anApplyThatRanWithoutARecordedResultIsLost() {
    RollingTally t =
        RollingTally.of(ran(A1, B1), List.of(new Result(A1, false)), 0, List.of(remediated(A1)));
    assertEquals(1, t.lost());
    assertEquals(0, t.twice());
    assertFalse(t.clean());
  }

  @Test
  void aResultRecordedMoreOftenThanItsApplyRanCountsAsTwice() {
    RollingTally t =
        RollingTally.of(
            ran(A1),
            List.of(new Result(A1, false), new Result(A1, true)),
            0,
            List.of(remediated(A1)));
    assertEquals(0, t.lost());
    assertEquals(1, t.twice());
    assertEquals(List.of(A1), t.twiceSeen(), "named, for the nodes' logs");
    assertFalse(t.clean());
  }

  @Test
  void anApplyThatRanTwiceNeedsTwoResults() {
    List<Apply> log = new java.util.ArrayList<>(ran(A1));
    log.addAll(ran(A1));
    RollingTally t =
        RollingTally.of(log, List.of(new Result(A1, false)), 0, List.of(remediated(A1)));
    assertEquals(2, t.applies());
    assertEquals(1, t.lost());
  }

  @Test
  void anApplyStartedAndNeverEndedIsInterruptedNotLost() {
    RollingTally t = RollingTally.of(List.of(new Apply(false, A1)), List.of(), 0, List.of());
    assertEquals(1, t.interrupted());
    assertEquals(0, t.applies());
    assertEquals(0, t.lost());
  }

  @Test
  void aSecondAlertOfOneKindForOneEpisodeIsADuplicateAndOtherEpisodesAreNot() {
    RollingTally t =
        RollingTally.of(
            ran(A1, B1, A2),
            List.of(new Result(A1, false), new Result(B1, false), new Result(A2, false)),
            0,
            List.of(
                remediated(A1),
                remediated(A1),
                remediated(A1),
                new Alert("drift_detected", A1),
                remediated(B1),
                remediated(A2),
                new Alert("drift_flapping", B1),
                new Alert("drift_flapping", B1)));
    assertEquals(2, t.duplicateAlerts());
    assertEquals(List.of(remediated(A1)), t.alertedTwice(), "named, for the nodes' logs");
    assertEquals(6, t.alerts());
    assertFalse(t.clean());
  }

  @Test
  void aRecordedResultWithoutItsRemediatedAlertIsAMissingAlert() {
    RollingTally t =
        RollingTally.of(
            ran(A1, B1),
            List.of(new Result(A1, false), new Result(B1, false)),
            0,
            List.of(remediated(B1), new Alert("drift_detected", A1)));
    assertEquals(1, t.missingAlerts());
    assertTrue(t.clean());
  }

  @Test
  void failedStepsMakeTheRunNotClean() {
    assertFalse(RollingTally.of(List.of(), List.of(), 1, List.of()).clean());
  }

  @Test
  void applyLogLinesNameTheTaskAfterTheCommentMark() {
    assertEquals(
        new Apply(true, A1), RollingTally.applyLine("end\tbench-00000\tfalse # rolling_r1"));
    assertEquals(
        new Apply(false, A2), RollingTally.applyLine("start\tbench-00000\tfalse # rolling_r2"));
    assertNull(RollingTally.applyLine("end\tbench-00000\ttest -f /bench/0/v1"));
    assertNull(RollingTally.applyLine("end\tbench-000"));
  }
}
