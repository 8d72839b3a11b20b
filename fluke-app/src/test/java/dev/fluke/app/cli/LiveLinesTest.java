package dev.fluke.app.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.api.LiveUpdate;
import dev.fluke.events.Event;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LiveLinesTest {
  private static LiveUpdate event(
      String kind, String outcome, int exit, long millis, String message) {
    return LiveUpdate.ofEvent(
        new Event(
            Instant.EPOCH,
            kind,
            "web-01",
            "deploy_app",
            "shell \"marker\"",
            outcome,
            exit,
            millis,
            "out",
            message));
  }

  @Test
  void outputLinesNameTheirTaskAndExecutorAndTheAgentWhenSeveralAreFollowed() {
    LiveUpdate u = LiveUpdate.output("web-01", "deploy_app", "shell \"marker\"", "  indented text");
    assertEquals("[deploy_app/shell \"marker\"]   indented text", LiveLines.text(u, false));
    assertEquals("[web-01 deploy_app/shell \"marker\"]   indented text", LiveLines.text(u, true));
  }

  @Test
  void applyAndVerifyOutcomesAreOneShortLine() {
    assertEquals(
        "== deploy_app/shell \"marker\" apply: applied (exit 0, 1.2s)",
        LiveLines.text(event("apply", "applied", 0, 1200, "apply exited 0"), false));
    assertEquals(
        "== web-01 deploy_app/shell \"marker\" apply: error (5m00s): timed out …",
        LiveLines.text(event("apply", "error", -1, 300_000, "timed out\nafter 5m"), true));
    assertEquals(
        "== deploy_app/shell \"marker\" verify: drifted (exit 1, 80ms): check still fails after the apply",
        LiveLines.text(
            event("verify", "drifted", 1, 80, "check still fails after the apply"), false));
  }

  @Test
  void checksAgentsAndManifestsHaveNoLine() {
    assertNull(LiveLines.text(event("check", "drifted", 1, 10, "check exited 1"), false));
    assertFalse(LiveLines.shown(LiveUpdate.agentChanged("web-01")));
    assertFalse(LiveLines.shown(LiveUpdate.manifestChanged()));
  }
}
