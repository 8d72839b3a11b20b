package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.metrics.FlukeMetrics;
import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The {@link AgentRegistry}'s {@link AgentDirectory} together with what follows it: each connect,
 * status change and disconnect of an agent is announced to the live view ({@link
 * LiveHub#agentChanged}; a summary that only refreshes {@code lastSeen} is not a change) and
 * counted in the metrics ({@code fluke_agents_connected}, the connection counters, and the fleet's
 * task status totals {@code fluke_tasks}, kept as running sums of the pushed counts). News from a
 * session that is no longer the agent's current one is ignored. Used on the registry's thread only.
 */
final class DirectoryFeed {
  private final AgentDirectory directory;
  private final LiveHub hub;
  private final FlukeMetrics metrics;

  DirectoryFeed(AgentDirectory directory, LiveHub hub, FlukeMetrics metrics) {
    this.directory = directory;
    this.hub = hub;
    this.metrics = metrics;
  }

  /** A session of {@code live}'s agent exists now. */
  void connected(AgentDirectory.Live live) {
    String name = live.summary().name();
    metrics.agentConnected(name);
    hub.agentChanged(name);
    directory.connected(live);
  }

  /** {@code session} pushed its agent's new {@code summary}. */
  void summary(Dto.AgentSummary summary, ActorRef<AgentSession.Command> session) {
    if (!directory.isCurrent(summary.name(), session)) {
      return;
    }
    Dto.StatusCounts before = directory.totals();
    if (directory.update(summary)) {
      hub.agentChanged(summary.name());
    }
    totalsChanged(before);
  }

  /**
   * {@code session} of agent {@code name} ended at {@code now}; false (nothing changes) when it was
   * not the agent's current session.
   */
  boolean ended(String name, ActorRef<AgentSession.Command> session, Instant now) {
    if (!directory.isCurrent(name, session)) {
      return false;
    }
    Dto.StatusCounts before = directory.totals();
    directory.ended(name, now);
    totalsChanged(before);
    metrics.agentDisconnected(name);
    hub.agentChanged(name);
    return true;
  }

  private void totalsChanged(Dto.StatusCounts before) {
    if (!before.equals(directory.totals())) {
      metrics.taskStatusCounts(directory.totals());
    }
  }
}
