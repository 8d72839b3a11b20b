package dev.fluke.api;

import java.util.List;

/**
 * Every {@link dev.fluke.events.Event#outcome()} the server records, in the order the API documents
 * them (docs/api.md). {@code GET /api/v1/events?outcome=} accepts exactly these and answers 400
 * with this list for anything else, so a typo is an error rather than an empty answer: code that
 * records a new outcome adds it here (and to docs/api.md).
 */
public final class EventOutcomes {
  private EventOutcomes() {}

  /** Step outcomes (check, apply, verify), connection, manifest and alert outcomes. */
  public static final List<String> ALL =
      List.of(
          // check / verify / apply steps (dev.fluke.exec.Outcome)
          "satisfied",
          "drifted",
          "applied",
          "failed",
          "error",
          "skipped",
          // agents
          "connected",
          "disconnected",
          "evicted",
          "rejected",
          "protocol_violation",
          "fenced",
          "moved",
          // the manifest repository
          "loaded",
          "invalid",
          "fetch_failed",
          "restored",
          "rewritten",
          "rewrite_refused",
          "rewrite_accepted",
          // alerts
          "sent",
          "undeliverable",
          // safe change controls: an apply held back (suspended, outside its maintenance window),
          // and the suspensions' own events
          "blocked",
          "suspended",
          "resumed",
          "expired",
          // issue 10: the flap guard holds a task, a task waits for a dependency, a rollout halted
          // (its resume is "resumed" above)
          "flapping",
          "waiting",
          "halted");

  public static boolean isKnown(String outcome) {
    return ALL.contains(outcome);
  }
}
