package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fluke.events.MemoryEventStore;
import dev.fluke.protocol.AgentMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent-facing side of a server: one stream per agent, handed to its session once admitted. */
class StreamGatewayTest {
  private final ActorTestKit testKit = ActorTestKit.create(ManualTime.config());
  private final ManualTime time = ManualTime.get(testKit.system());

  @TempDir Path dir;

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void anAdmissionThatTakesLongerThanTheStreamsDefaultFiveSecondsStillGetsTheAgentsMessages() {
    // In a cluster the registration may wait for the agent directory (admission-patience, 20 s):
    // the messages after Register wait unread meanwhile, and must still reach the session.
    TestProbe<AgentRegistry.Command> registry = testKit.createTestProbe();
    TestProbe<AgentSession.Command> session = testKit.createTestProbe();
    StreamGateway gateway =
        new StreamGateway(
            testKit.system(),
            registry.getRef(),
            ServerFixture.settings(dir, null),
            new MemoryEventStore(10, 10, 10));
    TestPublisher.Probe<AgentMessage> agent =
        TestSource.<AgentMessage>probe(testKit.system().classicSystem())
            .via(gateway.connect("127.0.0.1:1"))
            .toMat(Sink.ignore(), Keep.left())
            .run(testKit.system());

    agent.sendNext(new AgentMessage.Register("web-01", Map.of(), "1", List.of("shell")));
    AgentRegistry.Connect connect = registry.expectMessageClass(AgentRegistry.Connect.class);
    agent.sendNext(new AgentMessage.Heartbeat(1));

    time.timePasses(Duration.ofSeconds(15)); // the directory is slow
    connect.replyTo().tell(new AgentRegistry.Accepted(session.getRef()));

    AgentSession.StreamStarted started =
        session.expectMessageClass(AgentSession.StreamStarted.class);
    started.ackTo().tell(AgentSession.Ack.INSTANCE);
    AgentSession.FromAgent heartbeat = session.expectMessageClass(AgentSession.FromAgent.class);
    assertEquals(new AgentMessage.Heartbeat(1), heartbeat.message());
  }
}
