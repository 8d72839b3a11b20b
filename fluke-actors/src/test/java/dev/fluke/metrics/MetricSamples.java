package dev.fluke.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/**
 * Reads single series out of a {@link FlukeMetrics}' registry, from the Prometheus client's own
 * snapshots (what its writer renders for {@code /metrics}). Metrics are named as a Prometheus
 * server sees them: counters with their {@code _total}. Labels are given as name, value pairs; a
 * series matches only with exactly these labels.
 */
public final class MetricSamples {
  private MetricSamples() {}

  /** The value of a counter or gauge series, or null when the scrape has no such series. */
  public static Double value(FlukeMetrics metrics, String name, String... labels) {
    MetricSnapshot family = family(metrics, name);
    DataPointSnapshot point = family == null ? null : point(family, labels);
    if (point instanceof CounterSnapshot.CounterDataPointSnapshot c) {
      return c.getValue();
    }
    if (point instanceof GaugeSnapshot.GaugeDataPointSnapshot g) {
      return g.getValue();
    }
    if (point != null) {
      throw new IllegalArgumentException(name + " is neither a counter nor a gauge");
    }
    return null;
  }

  /** One series of a histogram ({@code name} without a suffix), or null when there is none. */
  public static HistogramDataPointSnapshot histogram(
      FlukeMetrics metrics, String name, String... labels) {
    MetricSnapshot family = family(metrics, name);
    if (family != null && !(family instanceof HistogramSnapshot)) {
      throw new IllegalArgumentException(name + " is not a histogram");
    }
    return family == null ? null : (HistogramDataPointSnapshot) point(family, labels);
  }

  /**
   * The observations of {@code point} that were at most {@code upperBound}: what the series {@code
   * _bucket{le="upperBound"}} shows (the snapshot counts each bucket on its own; Prometheus buckets
   * are cumulative).
   *
   * @throws IllegalArgumentException when no bucket has this upper bound
   */
  public static long bucket(HistogramDataPointSnapshot point, double upperBound) {
    ClassicHistogramBuckets buckets = point.getClassicBuckets();
    long cumulative = 0;
    for (int i = 0; i < buckets.size(); i++) {
      cumulative += buckets.getCount(i);
      if (buckets.getUpperBound(i) == upperBound) {
        return cumulative;
      }
    }
    throw new IllegalArgumentException("no bucket with the upper bound " + upperBound);
  }

  private static MetricSnapshot family(FlukeMetrics metrics, String name) {
    for (MetricSnapshot family : metrics.registry().scrape()) {
      String base = family.getMetadata().getPrometheusName();
      String exposed = family instanceof CounterSnapshot ? base + "_total" : base;
      if (exposed.equals(name)) {
        return family;
      }
    }
    return null;
  }

  private static DataPointSnapshot point(MetricSnapshot family, String... labels) {
    Labels wanted = Labels.of(labels);
    return family.getDataPoints().stream()
        .filter(p -> p.getLabels().equals(wanted))
        .findFirst()
        .orElse(null);
  }
}
