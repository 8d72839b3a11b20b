package dev.fluke.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ScrapeTest {
  private static final Scrape METRICS =
      new Scrape(
          """
          # HELP fluke_steps_total Steps completed.
          # TYPE fluke_steps_total counter
          fluke_steps_total{outcome="satisfied",phase="check"} 30.0
          fluke_steps_total{outcome="drifted",phase="check"} 5.0
          fluke_steps_total{outcome="applied",phase="apply"} 4.0
          fluke_steps_totally_other 99.0
          fluke_agent_moves_total 17.0
          """);

  @Test
  void labelledSamplesAreSummedByLabelAndUnlabelledCountersReadAsThey() {
    assertEquals(35, METRICS.sum("fluke_steps_total", "phase=\"check\""));
    assertEquals(4, METRICS.sum("fluke_steps_total", "phase=\"apply\""));
    assertEquals(39, METRICS.sum("fluke_steps_total", ""), "a longer name is another metric");
    assertEquals(17, METRICS.counter("fluke_agent_moves_total"));
    assertEquals(0, METRICS.counter("fluke_agent_connections_total"));
  }
}
