package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.manifest.RolloutSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The staged rollout as a pure state machine, at given instants. */
class RolloutTest {
  private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");
  // canary 2, then batches of 40 % (of 5 agents: 2), 1 failure tolerated, 30 s between stages
  private static final RolloutSpec SPEC = new RolloutSpec(2, 40, 0, 1, Duration.ofSeconds(30));
  private static final List<String> FIVE = List.of("e", "c", "a", "d", "b");

  private static List<String> allowed(Rollout r) {
    return r.agents().keySet().stream().filter(r::allowed).toList();
  }

  @Test
  void theCanariesByNameGoFirstAndTheNextBatchWaitsForTheirReportsAndThePause() {
    Rollout r = Rollout.start("app", "c0ffee", SPEC, FIVE, T0);
    assertEquals(List.of(List.of("a", "b"), List.of("c", "d"), List.of("e")), r.stages());
    assertEquals(List.of("a", "b"), allowed(r));
    assertEquals("running", r.state());
    assertEquals("canary", r.stageName());

    r = r.report("a", true, T0.plusSeconds(5));
    assertEquals(List.of("a", "b"), allowed(r), "b has not reported");
    r = r.report("b", true, T0.plusSeconds(10));
    assertEquals("paused", r.state());
    assertEquals(T0.plusSeconds(40), r.nextStageAt());
    assertEquals(List.of("a", "b"), allowed(r.advance(T0.plusSeconds(39))));

    r = r.advance(T0.plusSeconds(40));
    assertEquals(List.of("a", "b", "c", "d"), allowed(r));
    assertEquals("batch 1 of 2", r.stageName());
    r = r.report("c", true, T0.plusSeconds(41)).report("d", true, T0.plusSeconds(42));
    r = r.advance(T0.plusSeconds(72));
    assertEquals(List.of("a", "b", "c", "d", "e"), allowed(r));
    r = r.report("e", true, T0.plusSeconds(80));
    assertTrue(r.isDone());
    assertEquals("done", r.state());
    assertNull(r.nextStageAt());
  }

  @Test
  void moreFailuresThanTheMaximumHaltTheRestKeepsWaitingUntilResumed() {
    Rollout r = Rollout.start("app", "c0ffee", SPEC, FIVE, T0);
    r = r.report("a", false, T0.plusSeconds(1));
    assertFalse(r.isHalted(), "one failure is tolerated");
    r = r.report("b", false, T0.plusSeconds(2));
    assertTrue(r.isHalted());
    assertEquals("halted", r.state());
    assertEquals("2 agent(s) failed the apply or its verify (max_failures = 1): a, b", r.halted());
    assertNull(r.nextStageAt());
    assertEquals(List.of("a", "b"), allowed(r.advance(T0.plusSeconds(3600))), "no time helps");
    assertEquals(3, r.count(Rollout.AgentState.WAITING));
    assertEquals(2, r.toStatus(T0).failed());

    Rollout resumed = r.resume(T0.plusSeconds(100));
    assertFalse(resumed.isHalted());
    assertEquals(0, resumed.failures(), "failures are forgotten");
    assertEquals(List.of("a", "b", "c", "d"), allowed(resumed), "the next stage starts at once");
    assertEquals(List.of("c", "d"), resumed.newlyAllowed(r));
  }

  @Test
  void aFailureInALaterStageHaltsItAndFailuresAddUpAcrossStages() {
    RolloutSpec noTolerance = new RolloutSpec(1, 0, 2, 0, Duration.ZERO);
    Rollout r = Rollout.start("app", "c0ffee", noTolerance, FIVE, T0);
    assertEquals(List.of("a"), allowed(r));
    r = r.report("a", true, T0);
    assertEquals(List.of("a", "b", "c"), allowed(r), "no pause: the next batch starts at once");
    r = r.report("b", false, T0);
    assertTrue(r.isHalted());
    r = r.report("c", true, T0);
    assertEquals(List.of("a", "b", "c"), allowed(r.advance(T0.plusSeconds(60))));
  }

  @Test
  void agentsThatJoinOrLeaveDuringTheRolloutDoNotBlockIt() {
    Rollout r = Rollout.start("app", "c0ffee", SPEC, FIVE, T0);
    r = r.joined("f", T0);
    assertEquals(List.of("e", "f"), r.stages().get(2), "a newcomer waits for the last stage");
    assertFalse(r.allowed("f"));
    r = r.report("a", true, T0).left("b", T0.plusSeconds(1));
    assertEquals("paused", r.state(), "b left: the canary stage is complete");
    r = r.advance(T0.plusSeconds(31));
    r = r.report("c", true, T0.plusSeconds(31)).report("d", true, T0.plusSeconds(31));
    r = r.advance(T0.plusSeconds(61));
    r = r.report("e", true, T0.plusSeconds(61)).report("f", true, T0.plusSeconds(61));
    assertTrue(r.isDone());
    Rollout late = r.joined("g", T0.plusSeconds(100));
    assertTrue(late.allowed("g"), "after the last stage a newcomer applies at once");
  }

  @Test
  void noMatchedAgentsIsDoneAndFewerAgentsThanCanariesAreAllCanaries() {
    assertTrue(Rollout.start("app", "c0ffee", SPEC, List.of(), T0).isDone());
    Rollout one = Rollout.start("app", "c0ffee", SPEC, List.of("x"), T0);
    assertEquals(List.of(List.of("x")), one.stages());
    assertTrue(one.allowed("x"));
    assertTrue(one.report("x", true, T0).isDone());
  }
}
