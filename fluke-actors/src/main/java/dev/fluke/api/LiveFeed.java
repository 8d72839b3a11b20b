package dev.fluke.api;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Live changes of the fleet, for viewers that must update without polling. Every materialization is
 * one subscriber that sees updates from the moment it subscribes; a slow subscriber loses updates
 * (it is dropped from, never slowing down, the server), is told so by a {@link LiveUpdate#lost}
 * marker before the next update it does get, and can refetch the JSON API to catch up.
 */
public interface LiveFeed {
  /** Every update. */
  default Source<LiveUpdate, NotUsed> subscribe() {
    return subscribe(u -> true);
  }

  /**
   * The updates {@code wanted} accepts; it is applied before the subscriber's buffer, so other
   * updates neither take room in it nor count as lost.
   */
  Source<LiveUpdate, NotUsed> subscribe(java.util.function.Predicate<LiveUpdate> wanted);

  /**
   * The buffered output lines of the apply running now (or last run) for this agent, oldest first,
   * so a late viewer sees what it missed before the live lines.
   */
  java.util.concurrent.CompletionStage<java.util.List<LiveUpdate>> recentOutput(String agent);
}
