package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static dev.fluke.server.ServerFixture.await;
import static dev.fluke.server.ServerFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.exec.Outcome;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A check that still fails right after a successful apply is the same verdict whatever the policy
 * and whatever started the cycle (issue 11): {@code failed} with the "check or apply is wrong"
 * message, in the status, the events and, for remediate_and_alert, in {@code drift_remediated}; and
 * the cycles that follow do not turn it back into a plain {@code drifted}.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifyVerdictTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Map<String, String> WEB = Map.of("role", "web");

  /** What started the cycle. */
  enum Trigger {
    MANUAL,
    INTERVAL,
    NEW_COMMIT
  }

  @TempDir Path dir;
  private WebhookReceiver webhook;
  private ServerFixture fx;
  private TestTime time;

  @BeforeEach
  void setUp() throws Exception {
    webhook = new WebhookReceiver();
    time = TestTime.of(testKit.system());
  }

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.close();
      fx = null;
    }
    webhook.close();
  }

  /** Connects web-01 with task "wrong" of {@code policy}; its first check finds it satisfied. */
  private TestAgent start(DriftPolicy policy) {
    fx =
        new ServerFixture(
            testKit,
            ServerFixture.settings(dir, webhook.uri()),
            task("wrong", policy.hclName(), "shell:x", "role=web"));
    fx.awaitInForce("c1");
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("wrong"), Map.of("wrong", Outcome.SATISFIED));
    agent.roundTrip();
    return agent;
  }

  /** Starts a cycle of task "wrong" the way {@code trigger} does; returns the manual request id. */
  private long trigger(Trigger trigger) {
    switch (trigger) {
      case MANUAL -> {
        Dto.ReconcileAccepted a = await(fx.api.reconcile(Dto.ReconcileTarget.task("wrong")));
        assertTrue(a.accepted());
        return a.requestId();
      }
      case INTERVAL ->
          time.timePasses(ServerSettings.Reconcile.slotOf("web-01", ServerFixture.INTERVAL));
      case NEW_COMMIT -> {
        fx.commit(
            "c2",
            task("wrong", fx.status("web-01", "wrong").policy(), "shell:x", "role=web"),
            "# c2\n");
        fx.server.fetchNow();
      }
    }
    return 0;
  }

  @ParameterizedTest
  @EnumSource(Trigger.class)
  void remediateReportsAStillFailingCheckAsFailed(Trigger trigger) throws Exception {
    stillFailingCheckIsFailed(DriftPolicy.REMEDIATE, trigger);
  }

  @ParameterizedTest
  @EnumSource(Trigger.class)
  void remediateAndAlertReportsAStillFailingCheckAsFailedAndAlertsIt(Trigger trigger)
      throws Exception {
    stillFailingCheckIsFailed(DriftPolicy.REMEDIATE_AND_ALERT, trigger);
    JsonNode alert = webhook.next();
    assertEquals("drift_remediated", alert.get("event").asText());
    assertEquals("failed", alert.get("outcome").asText());
  }

  @ParameterizedTest
  @EnumSource(Trigger.class)
  void alertOnlyIsAppliedOnlyByHandAndThenReportedTheSame(Trigger trigger) throws Exception {
    TestAgent agent = start(DriftPolicy.ALERT_ONLY);
    long request = trigger(trigger);
    agent.reportCheck(agent.expectCheck("wrong"), Map.of("wrong", Outcome.DRIFTED));
    if (trigger != Trigger.MANUAL) {
      agent.roundTrip(); // no apply: the policy only alerts
      assertEquals(Status.DRIFTED, fx.status("web-01", "wrong").status());
      assertEquals("drift_detected", webhook.next().get("event").asText());
      return;
    }
    agent.reportApply(agent.expectApply("wrong"), Outcome.APPLIED, Outcome.DRIFTED);
    agent.roundTrip();
    assertFailed(request);

    // The retry that follows checks (alert_only: no apply) and finds it still drifted: the verdict
    // of the apply stays, and now the drift is announced (nothing was announced before).
    time.timePasses(Duration.ofSeconds(15));
    agent.reportCheck(agent.expectCheck("wrong"), Map.of("wrong", Outcome.DRIFTED));
    agent.roundTrip();
    Dto.TaskStatus held = fx.status("web-01", "wrong");
    assertEquals(Status.FAILED, held.status(), "a plain drifted check does not hide the failure");
    assertEquals(TaskVerdict.STILL_DRIFTED, held.message());
    assertEquals("drift_detected", webhook.next().get("event").asText());

    // Fixed on the host: the next (interval) check finds it satisfied and the failure is over.
    time.timePasses(ServerSettings.Reconcile.slotOf("web-01", ServerFixture.INTERVAL));
    agent.reportCheck(agent.expectCheck("wrong"), Map.of("wrong", Outcome.SATISFIED));
    agent.roundTrip();
    assertEquals(Status.SATISFIED, fx.status("web-01", "wrong").status());
  }

  private void stillFailingCheckIsFailed(DriftPolicy policy, Trigger trigger) {
    TestAgent agent = start(policy);
    long request = trigger(trigger);
    ServerMessage.CheckRequest check = agent.expectCheck("wrong");
    agent.reportCheck(check, Map.of("wrong", Outcome.DRIFTED));
    agent.reportApply(agent.expectApply("wrong"), Outcome.APPLIED, Outcome.DRIFTED);
    agent.roundTrip();
    assertFailed(request);
  }

  /** The verdict everywhere: status, drift list, events, and the served manual request. */
  private void assertFailed(long request) {
    Dto.TaskStatus status = fx.status("web-01", "wrong");
    assertEquals(Status.FAILED, status.status());
    assertEquals(TaskVerdict.STILL_DRIFTED, status.message());
    Dto.DriftEntry drift = await(fx.api.drift()).get(0);
    assertEquals(Status.FAILED, drift.status());
    assertTrue(
        fx.events("web-01").stream()
            .anyMatch(e -> e.kind().equals("verify") && e.outcome().equals("drifted")));
    Dto.AgentSummary agent = fx.agent("web-01").agent();
    if (request > 0) {
      assertTrue(agent.manualServed() >= request, "the manual request is served: " + agent);
    } else {
      assertFalse(agent.manualServed() > 0);
    }
    Dto.AgentSummary idle =
        eventually(() -> fx.agent("web-01").agent(), a -> a.cycle() == CyclePhase.IDLE);
    assertNotNull(idle.lastCycleEndedAt());
  }
}
