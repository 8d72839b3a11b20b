package dev.fluke.http.metrics;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/**
 * The test parser must itself refuse what Prometheus would, or the /metrics test could not fail.
 */
class PrometheusTextParserTest {
  private static final String GOOD =
      "# HELP h Latency.\n# TYPE h histogram\n"
          + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n";

  @Test
  void acceptsAWellFormedHistogram() {
    assertEquals(4, PrometheusTextParser.parse(GOOD).get("h").samples().size());
  }

  @Test
  void refusesMalformedExpositions() {
    String[] bad = {
      GOOD.replace("h_count 2", "h_count 3"), // +Inf != count
      GOOD.replace("h_bucket{le=\"1\"} 1", "h_bucket{le=\"1\"} 3"), // not cumulative
      GOOD.replace("h_bucket{le=\"+Inf\"} 2\n", ""), // no +Inf
      GOOD.replace("# HELP h Latency.\n", ""), // no HELP
      "# HELP c C.\n# TYPE c counter\nc{a=\"x} 1\n", // unterminated label
      "# HELP c C.\n# TYPE c counter\nc{a=\"\\t\"} 1\n", // bad escape
      "# HELP c C.\n# TYPE c counter\nc 1.2.3\n", // bad value
      "# HELP c C.\n# TYPE c counter\nc -1\n", // negative counter
      "# HELP c C.\n# TYPE c counter\nc{1a=\"x\"} 1\n", // bad label name
      "c 1\n", // no TYPE
      "# HELP c C.\n# TYPE c counter\nc 1", // no final line feed
    };
    for (String text : bad) {
      assertThrows(AssertionError.class, () -> PrometheusTextParser.parse(text), text);
    }
  }
}
