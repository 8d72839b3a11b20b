package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static dev.fluke.server.ServerFixture.await;
import static dev.fluke.server.ServerFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.events.Event;
import dev.fluke.exec.Outcome;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's sessions in cluster mode, with {@link AdmissionsTest.RecordingDirectory} as the
 * cluster.
 *
 * <p>A cluster node that stops (coordinated shutdown: {@link FlukeServer#drainAgents}) ends its
 * agents' streams only once the acknowledgements it owes are out. A result is recorded when it
 * arrives and acknowledged when the cluster's directory has it; a stream cut in between left the
 * agent re-sending a recorded result to the next node, which recorded it again when its admission
 * had read the directory before the write: the 1,000-agent rolling restart counted 15 such results
 * recorded twice, and 15 alerts sent twice. Here the directory's write of a received result
 * completes when the test says so ({@link AdmissionsTest.RecordingDirectory#holdWrites}).
 *
 * <p>A late apply result (its apply began on an earlier connection, perhaps with another node) that
 * this node has not received is looked up in the cluster before it is handled: recorded elsewhere
 * (the directory here says so of {@code 5/app}), it is only acknowledged. A registration whose
 * stream ends while the cluster decides is abandoned ({@link AgentAdmission#abandoned}).
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterSessionsTest {
  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Map<String, String> WEB = Map.of("role", "web");

  @TempDir Path dir;
  private TestTime time;
  private ServerFixture fx;

  @BeforeEach
  void setUp() {
    time = TestTime.of(testKit.system());
  }

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.close();
      fx = null;
    }
  }

  /** The engine with {@code directory} as the cluster and task {@code app} for role web. */
  private void start(AdmissionsTest.RecordingDirectory directory) {
    fx =
        new ServerFixture(
            testKit,
            ServerFixture.settings(dir, null),
            directory,
            task("app", null, "shell:deploy", "role=web"));
    fx.awaitInForce("c1");
  }

  /** The late results recorded: one apply event each. */
  private List<Event> late() {
    return fx.events("web-01").stream()
        .filter(e -> e.kind().equals("apply") && e.message().startsWith("late"))
        .toList();
  }

  @Test
  void aStoppingNodeLetsOutTheAcknowledgementItOwesBeforeTheStreamEndsAndTakesNoNewAgent() {
    AdmissionsTest.RecordingDirectory directory = new AdmissionsTest.RecordingDirectory();
    directory.holdWrites = true;
    start(directory);
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    ServerMessage.ApplyRequest apply = agent.expectApply("app");
    agent.reportApply(apply, Outcome.APPLIED, Outcome.SATISFIED);
    // recorded here; the directory's write is in flight, so no acknowledgement yet
    eventually(directory.writes::size, n -> n == 1);

    CompletionStage<Done> drained = fx.server.drainAgents();
    time.timePasses(Duration.ofSeconds(1));
    assertFalse(drained.toCompletableFuture().isDone(), "the session waits for its ack");
    TestAgent late = TestAgent.connect(fx.server.gateway(), testKit.system(), "test:late");
    late.send(new AgentMessage.Register("db-01", WEB, "test-1", List.of("shell")));
    assertEquals(
        new ServerMessage.Rejected(Registrations.STOPPING),
        late.next(),
        "a registration while the node drains is refused");

    agent.send(new AgentMessage.Heartbeat(1));
    assertInstanceOf(
        ServerMessage.Heartbeat.class, agent.next(), "its heartbeats are answered meanwhile");

    directory.writes.get(0).complete(null);
    time.timePasses(Duration.ofMillis(100));
    agent.out.request(2);
    assertEquals(
        new ServerMessage.ApplyResultAck(apply.cycleId(), "app"),
        assertInstanceOf(ServerMessage.ApplyResultAck.class, agent.out.expectNext()));
    agent.out.expectComplete();
    assertEquals(Done.getInstance(), await(drained));
  }

  @Test
  void aLateResultAnotherNodeRecordedIsOnlyAcknowledgedOneNobodyRecordedIsRecordedOnce() {
    AdmissionsTest.RecordingDirectory directory = new AdmissionsTest.RecordingDirectory();
    start(directory);
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

  @Test
  void aRegistrationWhoseStreamEndsWhileTheClusterDecidesIsAbandoned() {
    AdmissionsTest.RecordingDirectory directory = new AdmissionsTest.RecordingDirectory();
    directory.holdAdmissions = true;
    start(directory);

    TestAgent staying = TestAgent.connect(fx.server.gateway(), testKit.system(), "test:db");
    staying.send(new AgentMessage.Register("db-01", WEB, "test-1", List.of("shell")));
    TestAgent leaving = TestAgent.connect(fx.server.gateway(), testKit.system(), "test:web");
    leaving.send(new AgentMessage.Register("web-01", WEB, "test-1", List.of("shell")));
    eventually(directory.admissions::size, n -> n == 2);

    leaving.out.cancel(); // the agent gives up: its stream ends
    eventually(() -> directory.calls, c -> c.contains("abandoned web-01"));
    TestTime.of(testKit.system()).timePasses(Duration.ofMillis(100));
    assertFalse(directory.calls.contains("abandoned db-01"), directory.calls.toString());
    assertEquals(1, directory.calls.stream().filter(c -> c.startsWith("abandoned")).count());
  }
}
