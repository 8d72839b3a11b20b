package dev.fluke.api;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Live changes of the fleet, for viewers that must update without polling. Every materialization is one
 * subscriber that sees updates from the moment it subscribes; a slow subscriber loses updates (it is
 * dropped from, never slowing down, the server) and can refetch the JSON API to catch up.
 */
public interface LiveFeed {
  Source<LiveUpdate, NotUsed> subscribe();

  /**
   * The buffered output lines of the apply running now (or last run) for this agent, oldest first, so a
   * late viewer sees what it missed before the live lines.
   */
  java.util.concurrent.CompletionStage<java.util.List<LiveUpdate>> recentOutput(String agent);
}
