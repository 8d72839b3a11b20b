package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.exec.Outcome;
import dev.fluke.manifest.FlapLimit;
import dev.fluke.manifest.RolloutSpec;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The canary rollout in the engine (issue 10), with time by hand ({@link TestTime}): the fleet-wide
 * rollout of server.hcl (canary 1, batches of 1, a 10 minute pause) lets the canary remediate
 * first; the next agent is only checked, never applied, until the pause has passed on the engine's
 * clock.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RolloutEngineTest {
  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Map<String, String> WEB = Map.of("role", "web");

  @TempDir Path dir;
  private ServerFixture fx;
  private WebhookReceiver webhook;

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.close();
    }
    if (webhook != null) {
      webhook.close();
    }
  }

  @Test
  void theNextStageStartsOnlyWhenTheCanaryIsDoneAndThePauseHasPassed() throws Exception {
    TestTime time = TestTime.of(testKit.system());
    webhook = new WebhookReceiver();
    ServerSettings settings =
        ServerFixture.settings(dir, webhook.uri())
            .withSafeChange(
                FlapLimit.DEFAULT,
                Optional.of(new RolloutSpec(1, 0, 1, 0, Duration.ofMinutes(10))));
    fx = new ServerFixture(testKit, settings, task("app", "remediate", "shell:marker", "role=web"));
    fx.awaitInForce("c1");
    TestAgent canary = fx.connect("web-01", WEB);
    TestAgent next = fx.connect("web-02", WEB);

    // Before the rollout has gathered its agents nobody remediates: checked, held.
    canary.reportCheck(canary.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    next.reportCheck(next.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    canary.roundTrip();
    next.roundTrip();
    assertTrue(fx.status("web-02", "app").message().startsWith("rollout"));

    time.timePasses(TaskRollout.GATHER);
    ServerMessage.CheckRequest check = canary.expectCheck("app");
    canary.reportCheck(check, Map.of("app", Outcome.DRIFTED));
    canary.reportApply(canary.expectApply("app"), Outcome.APPLIED, Outcome.SATISFIED);
    canary.roundTrip();
    Dto.RolloutStatus paused =
        ServerFixture.eventually(
            () -> ServerFixture.await(fx.api.rollout("app")).orElseThrow(),
            r -> "paused".equals(r.state()));
    assertEquals(1, paused.done());
    assertEquals(1, paused.waiting());
    assertEquals("canary", paused.stage());
    assertEquals(Status.SATISFIED, fx.status("web-01", "app").status());

    time.timePasses(Duration.ofMinutes(9));
    next.roundTrip(); // no CheckRequest: its stage has not started
    assertEquals(Status.DRIFTED, fx.status("web-02", "app").status());

    time.timePasses(Duration.ofMinutes(1));
    next.reportCheck(next.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    next.reportApply(next.expectApply("app"), Outcome.APPLIED, Outcome.SATISFIED);
    next.roundTrip();
    Dto.RolloutStatus done =
        ServerFixture.eventually(
            () -> ServerFixture.await(fx.api.rollout("app")).orElseThrow(),
            r -> "done".equals(r.state()));
    assertEquals(2, done.done());
  }
}
