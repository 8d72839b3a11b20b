package dev.fluke.protocol;

import dev.fluke.exec.StepResult;
import java.util.List;
import java.util.Map;

/**
 * Messages an agent sends to the server on its one long-lived stream (SPEC §6). The gRPC adapter
 * maps {@code fluke.proto} onto these records; nothing outside fluke-grpc sees protobuf.
 */
public sealed interface AgentMessage {

  /**
   * Must be the first message of every stream.
   *
   * @param resumeToken the {@link ServerMessage.Registered#sessionToken} of the agent's last
   *     registration when it reconnects, else empty: it shows that this is the host whose stream to
   *     another node just ended, so that node need not be asked (docs/cluster.md)
   * @param moved the agent's last registered connection was ended by its node to even out the fleet
   *     (rebalancing): a cluster node that holds its share already sends it on to another
   *     (docs/cluster.md, "Rebalancing")
   */
  record Register(
      String name,
      Map<String, String> labels,
      String version,
      List<String> executors,
      String resumeToken,
      boolean moved)
      implements AgentMessage {
    public Register {
      labels = Map.copyOf(labels);
      executors = List.copyOf(executors);
      resumeToken = resumeToken == null ? "" : resumeToken;
    }

    /** A registration that was not moved by rebalancing. */
    public Register(
        String name,
        Map<String, String> labels,
        String version,
        List<String> executors,
        String resumeToken) {
      this(name, labels, version, executors, resumeToken, false);
    }

    /** A first registration: no earlier session to resume. */
    public Register(
        String name, Map<String, String> labels, String version, List<String> executors) {
      this(name, labels, version, executors, "");
    }

    /** This registration, resuming the session whose token was {@code token}. */
    public Register resuming(String token) {
      return new Register(name, labels, version, executors, token, moved);
    }

    /** This registration, of an agent just moved by rebalancing ({@code moved}) or not. */
    public Register movedByRebalancing(boolean moved) {
      return new Register(name, labels, version, executors, resumeToken, moved);
    }
  }

  /**
   * The answer to a {@link ServerMessage.CheckRequest}: every executor's check outcome, per task.
   */
  record CheckReport(long cycleId, List<TaskOutcome> tasks) implements AgentMessage {
    public CheckReport {
      tasks = List.copyOf(tasks);
    }
  }

  /** One line of output of a running apply, streamed as it is produced. */
  record ApplyOutput(long cycleId, String task, String executor, String line)
      implements AgentMessage {}

  /**
   * The end of a {@link ServerMessage.ApplyRequest}. {@code late} is true when the apply was
   * started on an earlier connection and is reported after the agent reconnected.
   */
  record ApplyResult(long cycleId, TaskOutcome task, boolean late) implements AgentMessage {}

  /**
   * Sent every heartbeat interval; a server that hears nothing for several intervals evicts the
   * agent.
   */
  record Heartbeat(long sentAtMillis) implements AgentMessage {}

  /** The outcome of all executor blocks of one task, in declaration order. */
  record TaskOutcome(String task, List<ExecutorOutcome> executors) {
    public TaskOutcome {
      executors = List.copyOf(executors);
    }
  }

  /**
   * One executor block's results. In a check report only {@code check} is set. In an apply result,
   * {@code check} is the fresh check run before applying (earlier blocks may have fixed this one),
   * {@code apply} is null when the fresh check was satisfied, and {@code verify} is the check run
   * right after a successful apply (DRIFTED there means the task's check or apply is wrong).
   */
  record ExecutorOutcome(
      String executor, String type, StepResult check, StepResult apply, StepResult verify) {}
}
