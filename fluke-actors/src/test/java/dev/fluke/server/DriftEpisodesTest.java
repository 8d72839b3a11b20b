package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DriftEpisodesTest {
  @Test
  void eachAlertIsDueOncePerEpisode() {
    DriftEpisodes episodes = new DriftEpisodes(10);
    assertTrue(episodes.detected("web-01", "app"));
    assertFalse(episodes.detected("web-01", "app"), "announced already");
    assertTrue(episodes.remediated("web-01", "app"));
    assertFalse(episodes.remediated("web-01", "app"));
    assertFalse(episodes.detected("web-01", "app"), "still the same episode");
    assertTrue(episodes.detected("web-02", "app"), "another agent has its own episode");
    assertTrue(episodes.detected("web-01", "db"), "another task has its own episode");
  }

  @Test
  void anEndedEpisodeAlertsAgainOnTheNextDrift() {
    DriftEpisodes episodes = new DriftEpisodes(10);
    episodes.detected("web-01", "app");
    episodes.end("web-01", "app");
    assertEquals(0, episodes.size());
    assertTrue(episodes.detected("web-01", "app"));
  }

  @Test
  void beyondTheBoundTheLeastRecentlyAlertedAreForgottenFirst() {
    DriftEpisodes episodes = new DriftEpisodes(2);
    episodes.detected("a", "t");
    episodes.detected("b", "t");
    episodes.remediated("a", "t"); // "a" alerted most recently now
    episodes.detected("c", "t");
    assertEquals(2, episodes.size());
    assertFalse(episodes.detected("a", "t"), "kept");
    assertTrue(episodes.detected("b", "t"), "forgotten: it alerts again");
  }
}
