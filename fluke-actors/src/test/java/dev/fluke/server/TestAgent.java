package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.StepResult;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;

/**
 * Plays an agent against the server through {@link AgentGateway#connect(String)}, with stream test
 * probes on both sides: what the test sends is what a real agent would send over gRPC.
 */
final class TestAgent {
  static final Duration WAIT = Duration.ofSeconds(5);

  final TestPublisher.Probe<AgentMessage> in;
  final TestSubscriber.Probe<ServerMessage> out;
  private long heartbeats;

  private final List<ServerMessage.ApplyResultAck> acks = new java.util.ArrayList<>();

  private TestAgent(TestPublisher.Probe<AgentMessage> in, TestSubscriber.Probe<ServerMessage> out) {
    this.in = in;
    this.out = out;
  }

  static TestAgent connect(AgentGateway gateway, ActorSystem<?> system, String peer) {
    Pair<TestPublisher.Probe<AgentMessage>, TestSubscriber.Probe<ServerMessage>> probes =
        TestSource.<AgentMessage>create(system)
            .via(gateway.connect(peer))
            .toMat(TestSink.create(system), (a, b) -> Pair.create(a, b))
            .run(system);
    return new TestAgent(probes.first(), probes.second());
  }

  void send(AgentMessage m) {
    in.sendNext(m);
  }

  /**
   * The next message other than an {@link ServerMessage.ApplyResultAck}: acks are collected apart,
   * as the real agent handles them beside its work ({@link #acks()}).
   */
  ServerMessage next() {
    while (true) {
      out.request(1);
      ServerMessage m = out.expectNext(WAIT);
      if (m instanceof ServerMessage.ApplyResultAck ack) {
        acks.add(ack);
      } else {
        return m;
      }
    }
  }

  /** The acks received so far, oldest first. */
  List<ServerMessage.ApplyResultAck> acks() {
    return List.copyOf(acks);
  }

  <T extends ServerMessage> T expect(Class<T> type) {
    return assertInstanceOf(type, next());
  }

  ServerMessage.Registered register(String name, Map<String, String> labels) {
    send(new AgentMessage.Register(name, labels, "test-1", List.of("shell", "mise", "systemd")));
    return expect(ServerMessage.Registered.class);
  }

  ServerMessage.CheckRequest expectCheck(String... tasks) {
    ServerMessage.CheckRequest r = expect(ServerMessage.CheckRequest.class);
    assertEquals(
        List.of(tasks),
        r.tasks().stream().map(TaskSpec::name).toList(),
        "tasks of the CheckRequest");
    return r;
  }

  ServerMessage.ApplyRequest expectApply(String task) {
    ServerMessage.ApplyRequest r = expect(ServerMessage.ApplyRequest.class);
    assertEquals(task, r.task().name());
    return r;
  }

  /** Answers a CheckRequest: every executor of each task with the outcome given for the task. */
  void reportCheck(ServerMessage.CheckRequest req, Map<String, Outcome> outcomes) {
    List<AgentMessage.TaskOutcome> tasks = new ArrayList<>();
    for (TaskSpec t : req.tasks()) {
      Outcome o = outcomes.get(t.name());
      List<AgentMessage.ExecutorOutcome> execs = new ArrayList<>();
      for (ExecutorSpec e : t.executors()) {
        execs.add(
            new AgentMessage.ExecutorOutcome(
                e.label(), e.type(), step(Phase.CHECK, o), null, null));
      }
      tasks.add(new AgentMessage.TaskOutcome(t.name(), execs));
    }
    send(new AgentMessage.CheckReport(req.cycleId(), tasks));
  }

  /**
   * Answers an ApplyRequest: each block drifted, applied with {@code apply}, verified with {@code
   * verify}.
   */
  void reportApply(ServerMessage.ApplyRequest req, Outcome apply, Outcome verify) {
    send(new AgentMessage.ApplyResult(req.cycleId(), applied(req.task(), apply, verify), false));
  }

  static AgentMessage.TaskOutcome applied(TaskSpec task, Outcome apply, Outcome verify) {
    List<AgentMessage.ExecutorOutcome> execs = new ArrayList<>();
    for (ExecutorSpec e : task.executors()) {
      execs.add(
          new AgentMessage.ExecutorOutcome(
              e.label(),
              e.type(),
              step(Phase.CHECK, Outcome.DRIFTED),
              step(Phase.APPLY, apply),
              verify == null ? null : step(Phase.VERIFY, verify)));
    }
    return new AgentMessage.TaskOutcome(task.name(), execs);
  }

  static StepResult step(Phase phase, Outcome o) {
    int exit =
        switch (o) {
          case SATISFIED, APPLIED -> 0;
          case ERROR, SKIPPED -> -1;
          default -> 1;
        };
    return new StepResult(
        phase,
        o,
        exit,
        phase.wireName() + " output",
        Duration.ofMillis(12),
        o == Outcome.ERROR ? "mise: command not found" : "");
  }

  /**
   * Sends a heartbeat and expects the server's heartbeat as the very next message: proves nothing
   * else (e.g. an ApplyRequest) was sent before it, and that the session has processed all that
   * came before.
   */
  void roundTrip() {
    send(new AgentMessage.Heartbeat(++heartbeats));
    expect(ServerMessage.Heartbeat.class);
  }
}
