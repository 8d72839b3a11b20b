package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static dev.fluke.server.ServerFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.fluke.protocol.AgentMessage;
import java.nio.file.Path;
import java.time.Duration;
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
 * Cluster mode: when the agent gives up on a registration the cluster directory is still deciding
 * on (its stream ends), the registry tells the directory, which then never writes that admission
 * ({@link AgentAdmission#abandoned}). A registration whose stream stays open is not abandoned.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AbandonedRegistrationTest {
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

  @Test
  void aRegistrationWhoseStreamEndsWhileTheClusterDecidesIsAbandoned() {
    AdmissionsTest.RecordingDirectory directory = new AdmissionsTest.RecordingDirectory();
    directory.holdAdmissions = true;
    fx =
        new ServerFixture(
            testKit,
            ServerFixture.settings(dir, null),
            directory,
            task("app", null, "shell:deploy", "role=web"));
    fx.awaitInForce("c1");

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
