package dev.fluke.server;

import dev.fluke.metrics.FlukeMetrics;

/**
 * Reads single samples out of a {@link FlukeMetrics} scrape, as a Prometheus server would see them.
 */
final class MetricLines {
  private MetricLines() {}

  /**
   * The value written for {@code series} (name and labels exactly as scraped), or null when absent.
   */
  static String value(FlukeMetrics metrics, String series) {
    for (String line : metrics.scrape().split("\n")) {
      if (line.startsWith(series + " ")) {
        return line.substring(series.length() + 1);
      }
    }
    return null;
  }
}
