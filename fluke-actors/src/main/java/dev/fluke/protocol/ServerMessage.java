package dev.fluke.protocol;

import dev.fluke.manifest.TaskSpec;
import java.util.List;

/** Messages the server sends to one agent on its stream. */
public sealed interface ServerMessage {

  /**
   * Registration accepted; the agent should heartbeat every {@code heartbeatIntervalMillis}.
   *
   * @param sessionToken a secret of this registration (cluster mode; empty on a single server),
   *     sent back as {@link AgentMessage.Register#resumeToken} on the agent's next registration
   */
  record Registered(String serverVersion, long heartbeatIntervalMillis, String sessionToken)
      implements ServerMessage {
    public Registered {
      sessionToken = sessionToken == null ? "" : sessionToken;
    }

    public Registered(String serverVersion, long heartbeatIntervalMillis) {
      this(serverVersion, heartbeatIntervalMillis, "");
    }
  }

  /** Registration refused (e.g. another live agent has this name); the stream ends after this. */
  record Rejected(String reason) implements ServerMessage {}

  /** Run every executor's check of these tasks (in order) and answer with one CheckReport. */
  record CheckRequest(long cycleId, List<TaskSpec> tasks) implements ServerMessage {
    public CheckRequest {
      tasks = List.copyOf(tasks);
    }
  }

  /**
   * Bring one task to its desired state: for each block in order, check; if not satisfied, apply
   * and verify; honour {@code on_failure}. Answer with ApplyOutput lines and one ApplyResult.
   */
  record ApplyRequest(long cycleId, TaskSpec task) implements ServerMessage {}

  /** Stop the work of this cycle (the server gave up waiting or the task changed). */
  record Cancel(long cycleId) implements ServerMessage {}

  /** Keeps idle connections (and proxies) alive. */
  record Heartbeat(long sentAtMillis) implements ServerMessage {}

  /**
   * The server received (and recorded, or recognised as a duplicate) the ApplyResult of {@code
   * task} in cycle {@code cycleId} on this stream; the agent may forget it. Sent for every
   * ApplyResult, current or late. Until it arrives the agent keeps the result and re-sends it
   * (late) after a reconnect, so apply results are delivered at least once.
   */
  record ApplyResultAck(long cycleId, String task) implements ServerMessage {}
}
