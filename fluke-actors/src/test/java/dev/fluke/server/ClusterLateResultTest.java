package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.events.Event;
import dev.fluke.exec.Outcome;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
 * Cluster mode: a late apply result (its apply began on an earlier connection, perhaps with another
 * node) that this node has not received is looked up in the cluster's record of received results
 * before it is handled. Found there, another node recorded it and lost the acknowledgement with the
 * connection: it is only acknowledged, not recorded again (no second event, no second alert). The
 * 1,000-agent rolling restart counted such results recorded twice when a node relied on what its
 * admission had read (docs/cluster.md, "Results received once"). The cluster here is {@link
 * AdmissionsTest.RecordingDirectory}, which says result {@code 5/app} was recorded elsewhere.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterLateResultTest {
  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Map<String, String> WEB = Map.of("role", "web");

  @TempDir Path dir;
  private ServerFixture fx;

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.close();
      fx = null;
    }
  }

  /** The late results recorded: one apply event each. */
  private List<Event> late() {
    return fx.events("web-01").stream()
        .filter(e -> e.kind().equals("apply") && e.message().startsWith("late"))
        .toList();
  }

  @Test
  void aLateResultAnotherNodeRecordedIsOnlyAcknowledgedOneNobodyRecordedIsRecordedOnce() {
    AdmissionsTest.RecordingDirectory directory = new AdmissionsTest.RecordingDirectory();
    fx =
        new ServerFixture(
            testKit,
            ServerFixture.settings(dir, null),
            directory,
            task("app", null, "shell:deploy", "role=web"));
    fx.awaitInForce("c1");
    TestAgent agent = fx.connect("web-01", WEB);
    ServerMessage.CheckRequest check = agent.expectCheck("app");
    AgentMessage.TaskOutcome done =
        TestAgent.applied(check.tasks().get(0), Outcome.APPLIED, Outcome.SATISFIED);
    agent.reportCheck(check, Map.of("app", Outcome.SATISFIED));
    agent.roundTrip();

    agent.send(new AgentMessage.ApplyResult(5, done, true));
    agent.roundTrip();
    assertEquals(List.of(new ServerMessage.ApplyResultAck(5, "app")), agent.acks());
    assertTrue(directory.calls.contains("recorded? web-01 5/app"), directory.calls.toString());
    assertEquals(List.of(), late(), "recorded on another node: not again here");
    assertFalse(directory.calls.contains("received web-01 5/app"));

    agent.send(new AgentMessage.ApplyResult(6, done, true));
    agent.roundTrip();
    assertTrue(directory.calls.contains("recorded? web-01 6/app"), directory.calls.toString());
    assertTrue(directory.calls.contains("received web-01 6/app"), directory.calls.toString());
    assertEquals(1, late().size(), "recorded nowhere yet: recorded here " + fx.events("web-01"));

    // Sent once more (its acknowledgement lost again): known here, not asked about again.
    int asked = directory.calls.size();
    agent.send(new AgentMessage.ApplyResult(6, done, true));
    agent.roundTrip();
    assertEquals(asked, directory.calls.size(), directory.calls.toString());
    assertEquals(1, late().size());
    assertEquals(
        List.of(
            new ServerMessage.ApplyResultAck(5, "app"),
            new ServerMessage.ApplyResultAck(6, "app"),
            new ServerMessage.ApplyResultAck(6, "app")),
        agent.acks());
  }
}
