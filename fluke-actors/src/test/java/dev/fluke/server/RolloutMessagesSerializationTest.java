package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.api.Dto;
import dev.fluke.cluster.ClusterNodes;
import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.FlapLimit;
import dev.fluke.manifest.OnFailure;
import dev.fluke.manifest.RolloutSpec;
import dev.fluke.manifest.Selector;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.manifest.Window;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rollout's messages that cross nodes in cluster mode (a task's reconciler on one node, an
 * agent's runner on another) go through the cluster's serializer (Jackson CBOR, Java serialization
 * off) and come back equal: the runner compares the gated spec with its own, so a spec that changed
 * on the way would hold the agent forever.
 */
class RolloutMessagesSerializationTest {
  private static ClusterNodes nodes;

  @BeforeAll
  static void start() {
    nodes = ClusterNodes.start(1);
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  /** A task with everything a spec can hold: executors with every attribute kind, a window... */
  static TaskSpec fullSpec() {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("command", "systemctl restart app");
    attributes.put("enabled", true);
    attributes.put("timeout", 30L);
    attributes.put("ratio", 0.5);
    attributes.put("env", Map.of("LANG", "C"));
    attributes.put("git", Map.of("url", "https://git.example.org/app.git", "depth", 1L));
    return new TaskSpec(
        "app",
        "The app",
        Optional.of(DriftPolicy.REMEDIATE_AND_ALERT),
        new Selector(Map.of("role", "web")),
        List.of(
            new ExecutorSpec(
                "shell", "restart", attributes, OnFailure.CONTINUE, new SourcePos("a.hcl", 3, 5))),
        new SourcePos("a.hcl", 1, 1),
        Optional.of(Window.of(List.of("Mon-Fri 09:00-17:00"), List.of(), "Europe/Paris")),
        List.of("base"),
        Optional.of(new FlapLimit(3, Duration.ofMinutes(30))),
        Optional.of(new RolloutSpec(1, 20, 0, 2, Duration.ofMinutes(5))));
  }

  private static <T> T roundTrip(T message) {
    Serialization serialization = SerializationExtension.get(nodes.node(0));
    assertEquals(
        "JacksonCborSerializer",
        serialization.findSerializerFor(message).getClass().getSimpleName(),
        message.getClass() + " crosses nodes as CBOR");
    byte[] bytes = serialization.serialize(message).get();
    @SuppressWarnings("unchecked")
    T back = (T) serialization.deserialize(bytes, message.getClass()).get();
    return back;
  }

  private static <T> ActorRef<T> someActor(String name) {
    return nodes.node(0).systemActorOf(Behaviors.<T>empty(), name, Props.empty());
  }

  @Test
  void aRolloutGateWithAFullSpecArrivesEqual() {
    CycleRunner.RolloutGate gate =
        new CycleRunner.RolloutGate(
            fullSpec(), false, "rollout halted: 3 failed", someActor("reconciler"));
    CycleRunner.RolloutGate back = roundTrip(gate);
    assertEquals(gate.spec(), back.spec());
    assertEquals(gate, back);
  }

  @Test
  void aRolloutReportArrivesEqual() {
    TaskReconciler.RolloutReport report =
        new TaskReconciler.RolloutReport("web-01", fullSpec(), true);
    assertEquals(report, roundTrip(report));
  }

  @Test
  void resumeRolloutQuestionsArriveEqual() {
    ActorRef<Optional<Dto.RolloutStatus>> replyTo = someActor("reply");
    TaskReconciler.ResumeRollout toReconciler =
        new TaskReconciler.ResumeRollout("alice (local)", replyTo);
    assertEquals(toReconciler, roundTrip(toReconciler));
    TaskRegistry.ResumeRollout toRegistry =
        new TaskRegistry.ResumeRollout("app", "alice (local)", replyTo);
    assertEquals(toRegistry, roundTrip(toRegistry));
  }
}
