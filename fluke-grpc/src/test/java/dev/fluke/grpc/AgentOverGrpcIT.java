package dev.fluke.grpc;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.AgentRuntime;
import dev.fluke.agent.AgentSettings;
import dev.fluke.agent.Script;
import dev.fluke.agent.actor.Actors;
import dev.fluke.exec.Outcome;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ApplyOutput;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.Register;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent runtime talking to a real gRPC server through the real connector. */
class AgentOverGrpcIT {

  private static final String TOKEN = "agent-token";

  private final List<ActorTestKit> kits = new ArrayList<>();
  private Actors agentSystem;
  private final Script script = new Script();
  private AgentRuntime agent;

  @BeforeEach
  void startAgentSystem() {
    agentSystem = Actors.create("agent", 2, 2);
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (agent != null) {
      agent.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    kits.forEach(ActorTestKit::shutdownTestKit);
    agentSystem.terminate().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private ActorTestKit kit(String name) {
    ActorTestKit k = ActorTestKit.create(name);
    kits.add(k);
    return k;
  }

  private record Server(ActorTestKit kit, ScriptedGateway gateway, ServerBinding binding) {}

  private Server startServer(int port) throws Exception {
    return startServer(port, true);
  }

  private Server startServer(int port, boolean acks) throws Exception {
    ActorTestKit serverKit = kit("server");
    ScriptedGateway gateway =
        acks
            ? new ScriptedGateway(serverKit.system())
            : ScriptedGateway.withoutAcks(serverKit.system());
    // A port just released by a stopped server can take a moment to be free again.
    ServerBinding binding =
        Awaitility.await()
            .atMost(Duration.ofSeconds(15))
            .pollInterval(Duration.ofMillis(100))
            .ignoreExceptionsInstanceOf(ExecutionException.class)
            .until(
                () ->
                    GrpcServer.bind(
                            serverKit.system(),
                            "127.0.0.1",
                            port,
                            gateway,
                            Set.of(TOKEN),
                            Optional.empty())
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS),
                b -> b != null);
    return new Server(serverKit, gateway, binding);
  }

  private void startAgent(int port) {
    AgentSettings settings =
        AgentSettings.create(ConfigFactory.load())
            .withName("web-01")
            .withLabels(Map.of("role", "web"))
            .withVersion("9.9.9")
            .withReconnect(Duration.ofMillis(50), Duration.ofMillis(500), 0.2);
    GrpcServerConnector connector =
        new GrpcServerConnector(
            GrpcServerConnector.Client.of(ConfigFactory.load(), agentSystem.scheduler()),
            "grpc://127.0.0.1:" + port,
            TOKEN);
    agent = AgentRuntime.start(agentSystem, settings, connector, script.executors("shell", "mise"));
  }

  @Test
  void agentRegistersChecksAndAppliesOverGrpc() throws Exception {
    Server server = startServer(0);
    startAgent(server.binding().localAddress().getPort());

    ScriptedGateway.Session session = server.gateway().nextSession();
    Register register = session.next(Register.class);
    assertEquals("web-01", register.name());
    assertEquals(Map.of("role", "web"), register.labels());
    assertEquals(List.of("mise", "shell"), register.executors());
    session.send(new ServerMessage.Registered("test", 3_600_000));

    TaskSpec deploy =
        task(
            "deploy",
            // drifted in the check request, still drifted in the apply's fresh check, satisfied
            // once applied
            block("shell", "pre", "check", "drifted,drifted,satisfied", "lines", "3"),
            block("mise", "app", "check", "satisfied"));
    session.send(new ServerMessage.CheckRequest(1, List.of(deploy)));
    CheckReport report = session.next(CheckReport.class);
    assertEquals(1, report.cycleId());
    assertEquals(Outcome.DRIFTED, report.tasks().get(0).executors().get(0).check().outcome());
    assertEquals(Outcome.SATISFIED, report.tasks().get(0).executors().get(1).check().outcome());

    session.send(new ServerMessage.ApplyRequest(2, deploy));
    List<String> lines = new ArrayList<>();
    AgentMessage m = session.next();
    while (!(m instanceof ApplyResult)) {
      if (m instanceof ApplyOutput o) {
        lines.add(o.line());
      }
      m = session.next();
    }
    ApplyResult result = (ApplyResult) m;
    assertEquals(List.of("shell:pre line 1", "shell:pre line 2", "shell:pre line 3"), lines);
    assertEquals(2, result.cycleId());
    assertFalse(result.late());
    assertEquals(Outcome.APPLIED, result.task().executors().get(0).apply().outcome());
    assertEquals(Outcome.SATISFIED, result.task().executors().get(0).verify().outcome());
  }

  @Test
  void agentReconnectsAfterAServerRestartAndReportsTheApplyItFinishedMeanwhile() throws Exception {
    Server first = startServer(0);
    int port = first.binding().localAddress().getPort();
    startAgent(port);
    ScriptedGateway.Session before = first.gateway().nextSession();
    before.next(Register.class);
    before.send(new ServerMessage.Registered("test", 3_600_000));
    before.send(new ServerMessage.ApplyRequest(6, task("quick", block("mise", "quick"))));
    assertEquals(6, before.next(ApplyResult.class).cycleId()); // acknowledged by the session
    before.send(
        new ServerMessage.ApplyRequest(
            7, task("deploy", block("shell", "slow", "check", "drifted,satisfied", "gate", "g"))));
    script.gate("g").awaitEntered();

    // Whether the agent still thinks the old connection is up when the apply ends (and hands the
    // result
    // to a dead stream) or already knows it is gone, the result is not acknowledged and comes
    // again.
    first.kit().shutdownTestKit();
    script.gate("g").open();
    Server second = startServer(port);

    ScriptedGateway.Session after = second.gateway().nextSession();
    assertEquals("web-01", after.next(Register.class).name());
    after.send(new ServerMessage.Registered("test", 3_600_000));
    ApplyResult result = after.next(ApplyResult.class);
    assertTrue(result.late());
    assertEquals(7, result.cycleId());
    assertEquals("deploy", result.task().task());
    assertEquals(Outcome.SATISFIED, result.task().executors().get(0).verify().outcome());
    // The acknowledged result of cycle 6 is not reported again: kept results go out right after
    // Registered.
    after.send(new ServerMessage.CheckRequest(1, List.of(task("quick", block("mise", "quick")))));
    assertEquals(1, after.next(CheckReport.class).cycleId());
  }

  @Test
  void resultTheServerReceivedButNeverAcknowledgedIsReportedAgainAfterARestart() throws Exception {
    Server first = startServer(0, false);
    int port = first.binding().localAddress().getPort();
    startAgent(port);
    ScriptedGateway.Session before = first.gateway().nextSession();
    before.next(Register.class);
    before.send(new ServerMessage.Registered("test", 3_600_000));
    before.send(
        new ServerMessage.ApplyRequest(
            3, task("deploy", block("shell", "a", "check", "drifted,satisfied"))));
    ApplyResult received = before.next(ApplyResult.class);
    assertFalse(received.late());

    // The server goes away before it acknowledges: it may or may not have recorded the result.
    first.kit().shutdownTestKit();
    Server second = startServer(port);

    ScriptedGateway.Session after = second.gateway().nextSession();
    after.next(Register.class);
    after.send(new ServerMessage.Registered("test", 3_600_000));
    ApplyResult again = after.next(ApplyResult.class);
    assertTrue(again.late());
    assertEquals(3, again.cycleId());
    assertEquals(received.task(), again.task());
  }
}
