package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.events.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The questions between nodes and their answers survive CBOR as Pekko sends them (the cluster's
 * serializer, and the mapper {@link NodeAnswers} writes answers with).
 */
class NodeAnswersCborTest {
  private static final Instant T = Instant.parse("2026-12-05T10:00:00Z");
  private static ActorSystem<Void> system;
  private static ActorRef<Chunks.Chunk> probe;

  @BeforeAll
  static void start() {
    system =
        ActorSystem.create(
            Behaviors.empty(), ClusterBoot.SYSTEM_NAME, ClusterNodes.config(ConfigFactory.empty()));
    probe = system.systemActorOf(Behaviors.empty(), "probe", Props.empty());
  }

  @AfterAll
  static void stop() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }

  private static Object roundTrip(Object message) {
    var serialization = SerializationExtension.get(system);
    assertEquals(
        "JacksonCborSerializer",
        serialization.findSerializerFor(message).getClass().getSimpleName());
    byte[] bytes = serialization.serialize(message).get();
    return serialization.deserialize(bytes, message.getClass()).get();
  }

  @Test
  void everyQuestionToANodeIsCbor() {
    List<Object> questions =
        List.of(
            new NodeService.AskAgent("web-01", probe),
            new NodeService.AskReconcile(Dto.ReconcileTarget.task("app"), true, probe),
            new NodeService.AskTasks(probe),
            new NodeService.AskTask("app", probe),
            new NodeService.AskDrift(probe),
            new NodeService.AskSuspensions(probe),
            new NodeService.AskSuspend(
                TargetKind.AGENT, "web-01", "alice", "disk swap", Duration.ofHours(2), probe),
            new NodeService.AskResume(TargetKind.ALL, null, "alice", probe),
            new NodeService.AskPlan("feature", Duration.ofSeconds(30), probe),
            new NodeService.AskRollouts(probe),
            new NodeService.AskResumeRollout("app", "alice", probe),
            new NodeService.AskEvents(
                new dev.fluke.events.EventQuery("web-01", null, "drifted", 20), probe),
            new NodeService.AskEvents(dev.fluke.events.EventQuery.latest(1000), probe),
            new NodeService.More(7, 65536, probe),
            new ClusterEpisodes.Episode(true, false),
            new LiveRelay.Envelope(
                "pekko://fluke-server@127.0.0.1:7072",
                dev.fluke.api.LiveUpdate.ofEvent(
                    Event.simple("agent", "web-01", "registered", "hello"))),
            new LiveRelay.Envelope(
                "n", dev.fluke.api.LiveUpdate.output(T, "web-01", "app", "x", "line")));
    for (Object q : questions) {
      assertEquals(q, roundTrip(q));
    }
    Chunks.Chunk c = new Chunks.Chunk(3, 10, new byte[] {1, 2, 3}, 13, null);
    Chunks.Chunk back = (Chunks.Chunk) roundTrip(c);
    assertArrayEquals(c.bytes(), back.bytes());
    assertEquals(List.of(3L, 10, 13), List.of(back.id(), back.offset(), back.total()));
  }

  private static <T> T answer(T value, com.fasterxml.jackson.databind.JavaType type)
      throws Exception {
    ObjectMapper m = NodeAnswers.mapper(system);
    return m.readValue(m.writeValueAsBytes(value), type);
  }

  @Test
  void theAnswersOfANodesEngineSurviveTheCborMapper() throws Exception {
    var types = NodeAnswers.mapper(system).getTypeFactory();
    Dto.TaskStatus status =
        new Dto.TaskStatus(
            "app",
            Status.DRIFTED,
            "alert_only",
            true,
            T,
            null,
            "drifted",
            List.of(
                new Dto.ExecutorStatus("x", "shell", Status.DRIFTED, "check", 1, "out", "m", T)));
    Dto.AgentSummary summary =
        new Dto.AgentSummary(
            "web-01",
            Map.of("role", "web"),
            "1.0",
            true,
            T,
            T,
            CyclePhase.IDLE,
            T,
            new Dto.StatusCounts(1, 2, 0, 0, 0, 0, 1),
            5,
            "pekko://fluke-server@127.0.0.1:7072");
    Optional<Dto.AgentDetail> detail =
        Optional.of(
            new Dto.AgentDetail(
                summary,
                List.of(status),
                List.of(Event.simple("agent", "web-01", "registered", "hello")),
                null,
                new Dto.ManualResult(5, T, List.of(status))));
    assertEquals(
        detail,
        answer(detail, types.constructParametricType(Optional.class, Dto.AgentDetail.class)));

    Dto.TaskSummary task =
        new Dto.TaskSummary(
            "app",
            "the app",
            "remediate",
            Map.of("role", "web"),
            List.of("shell"),
            "a.hcl",
            3,
            new Dto.StatusCounts(2, 1, 0, 0, 0, 0),
            List.of("base"),
            null);
    List<Dto.TaskSummary> tasks = List.of(task);
    assertEquals(
        tasks, answer(tasks, types.constructCollectionType(List.class, Dto.TaskSummary.class)));
    Optional<Dto.TaskDetail> taskDetail =
        Optional.of(
            new Dto.TaskDetail(
                task,
                List.of(new Dto.ExecutorDefinition("shell", "x", Map.of("check", "true"), "stop")),
                List.of(new Dto.AgentTaskStatus("web-01", true, status))));
    assertEquals(
        taskDetail,
        answer(taskDetail, types.constructParametricType(Optional.class, Dto.TaskDetail.class)));
    List<Dto.DriftEntry> drift =
        List.of(new Dto.DriftEntry("web-01", "app", Status.DRIFTED, "alert_only", true, T, "m"));
    assertEquals(
        drift, answer(drift, types.constructCollectionType(List.class, Dto.DriftEntry.class)));
    Dto.ReconcileAccepted accepted =
        new Dto.ReconcileAccepted(
            true, "started", Dto.ReconcileTarget.ALL, List.of("web-01"), T, 17);
    assertEquals(accepted, answer(accepted, types.constructType(Dto.ReconcileAccepted.class)));
    Suspension.Change change =
        new Suspension.Change(
            true, "suspended", new Suspension(TargetKind.TASK, "app", "alice", "why", T, null));
    assertEquals(change, answer(change, types.constructType(Suspension.Change.class)));
    List<Event> events =
        List.of(
            new Event(T, "check", "web-01", "app", "shell \"x\"", "drifted", 1, 120, "out", "m"),
            Event.manifest(T, "loaded", "loaded commit abc"));
    assertEquals(events, answer(events, types.constructCollectionType(List.class, Event.class)));
  }
}
