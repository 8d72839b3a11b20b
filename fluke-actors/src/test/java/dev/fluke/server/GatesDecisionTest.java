package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.manifest.DriftPolicy;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** DriftDecision with what holds applies back: suspensions, windows, and --force. */
class GatesDecisionTest {
  private static final Gates SUSPENDED =
      new Gates("task app is suspended by a: b", null, null, false);
  private static final Gates CLOSED =
      new Gates(
          null, "outside its maintenance window", Instant.parse("2026-12-05T01:00:00Z"), false);

  @Test
  void nothingHoldingItBackDecidesAsBefore() {
    assertEquals(
        DriftDecision.onDrift(DriftPolicy.REMEDIATE, false, true),
        DriftDecision.onDrift(DriftPolicy.REMEDIATE, false, true, Gates.OPEN));
    assertNull(DriftDecision.onDrift(DriftPolicy.ALERT_ONLY, false, true, Gates.OPEN).blockedBy());
  }

  @Test
  void aSuspendedOrClosedTaskIsNotAppliedAndSaysWhy() {
    for (Gates g : new Gates[] {SUSPENDED, CLOSED}) {
      DriftDecision d = DriftDecision.onDrift(DriftPolicy.REMEDIATE, false, true, g);
      assertFalse(d.apply());
      assertEquals(g.blockedBy(), d.blockedBy());
      assertFalse(d.alertDetected(), "remediate stays silent");
    }
  }

  @Test
  void alertsAreNotHeldBack() {
    DriftDecision alertOnly = DriftDecision.onDrift(DriftPolicy.ALERT_ONLY, false, true, SUSPENDED);
    assertTrue(alertOnly.alertDetected());
    assertTrue(alertOnly.markAlerted());
    // remediate_and_alert will not remediate now: it announces the drift instead.
    DriftDecision andAlert =
        DriftDecision.onDrift(DriftPolicy.REMEDIATE_AND_ALERT, false, true, CLOSED);
    assertFalse(andAlert.apply());
    assertTrue(andAlert.alertDetected());
    assertFalse(
        DriftDecision.onDrift(DriftPolicy.REMEDIATE_AND_ALERT, false, false, CLOSED).markAlerted(),
        "without a webhook nothing shows as alerted");
  }

  @Test
  void aManualReconcileIsHeldBackUnlessForced() {
    DriftDecision manual = DriftDecision.onDrift(DriftPolicy.REMEDIATE, true, true, SUSPENDED);
    assertFalse(manual.apply());
    assertFalse(manual.alertDetected());
    assertTrue(manual.blockedBy().endsWith("a manual reconcile with --force applies it"));
    Gates forced = new Gates(SUSPENDED.suspended(), CLOSED.windowClosed(), null, true);
    DriftDecision d = DriftDecision.onDrift(DriftPolicy.ALERT_ONLY, true, true, forced);
    assertTrue(d.apply());
    assertNull(d.blockedBy());
    assertFalse(
        DriftDecision.onDrift(DriftPolicy.REMEDIATE, false, true, forced).apply(),
        "force is for manual reconciles only");
  }

  @Test
  void theSuspensionIsTheReasonGivenWhenBothHoldItBack() {
    Gates both = new Gates("suspended", "closed", null, false);
    assertEquals("suspended", both.blockedBy());
  }

  @Test
  void oneGatesValueHoldsInOrderSuspendedThenWindowThenRolloutThenFlapping() {
    Gates all = new Gates("suspended", "closed", null, false, true, true);
    DriftDecision d = DriftDecision.onDrift(DriftPolicy.REMEDIATE, false, true, all);
    assertFalse(d.apply());
    assertEquals("suspended", d.blockedBy());
    assertEquals(DriftDecision.Hold.NONE, d.hold(), "a decision names the strongest reason only");
    DriftDecision closed =
        DriftDecision.onDrift(
            DriftPolicy.REMEDIATE, false, true, new Gates(null, "closed", null, false, true, true));
    assertEquals("closed", closed.blockedBy());
    DriftDecision rollout =
        DriftDecision.onDrift(DriftPolicy.REMEDIATE, false, true, Gates.OPEN.withHolds(true, true));
    assertFalse(rollout.apply());
    assertNull(rollout.blockedBy());
    assertEquals(DriftDecision.Hold.ROLLOUT, rollout.hold());
    assertFalse(rollout.alertDetected(), "a held task announces nothing here");
    DriftDecision flapping =
        DriftDecision.onDrift(
            DriftPolicy.REMEDIATE_AND_ALERT, false, true, Gates.OPEN.withHolds(false, true));
    assertEquals(DriftDecision.Hold.FLAPPING, flapping.hold());
    assertFalse(flapping.apply());
  }

  @Test
  void rolloutAndFlapGuardHoldAutomaticRemediationsOnly() {
    Gates held = Gates.OPEN.withHolds(true, true);
    DriftDecision manual = DriftDecision.onDrift(DriftPolicy.REMEDIATE, true, true, held);
    assertTrue(manual.apply(), "a manual reconcile passes the rollout and the flap guard");
    assertEquals(DriftDecision.Hold.NONE, manual.hold());
    DriftDecision alertOnly = DriftDecision.onDrift(DriftPolicy.ALERT_ONLY, false, true, held);
    assertEquals(
        new DriftDecision(false, true, true), alertOnly, "alert_only is not remediated: no hold");
    DriftDecision suspendedManual =
        DriftDecision.onDrift(
            DriftPolicy.REMEDIATE,
            true,
            true,
            new Gates("suspended", null, null, false, true, true));
    assertFalse(suspendedManual.apply(), "a suspension still holds a manual reconcile");
  }
}
