package dev.fluke.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;

/**
 * A small, thread-safe set of metric families rendered in the Prometheus text exposition format
 * 0.0.4. Families are registered once (normally at start-up) and scraped in registration order;
 * updates go to lock-free children, so the actors pay an adder increment per event and nothing
 * else.
 */
public final class MetricRegistry {
  private final List<Metric<?>> metrics = new CopyOnWriteArrayList<>();
  private final Map<String, Metric<?>> byName = new ConcurrentHashMap<>();

  public Counter counter(String name, String help, String... labelNames) {
    return register(new Counter(name, help, List.of(labelNames)));
  }

  public Gauge gauge(String name, String help, String... labelNames) {
    return register(new Gauge(name, help, List.of(labelNames)));
  }

  /** A gauge read from {@code reader} at every scrape; {@code NaN} leaves it out of that scrape. */
  public Gauge gauge(String name, String help, DoubleSupplier reader) {
    return register(new Gauge(name, help, reader));
  }

  /**
   * @param bounds the upper bounds of the buckets, strictly increasing ({@code +Inf} is added)
   */
  public Histogram histogram(String name, String help, double[] bounds, String... labelNames) {
    return register(new Histogram(name, help, bounds, List.of(labelNames)));
  }

  private <M extends Metric<?>> M register(M metric) {
    // The suffixes a histogram writes must not collide with another family's name either.
    List<String> names =
        metric instanceof Histogram
            ? List.of(
                metric.name(),
                metric.name() + "_bucket",
                metric.name() + "_sum",
                metric.name() + "_count")
            : List.of(metric.name());
    synchronized (byName) {
      for (String n : names) {
        if (byName.containsKey(n)) {
          throw new IllegalArgumentException("metric " + n + " is already registered");
        }
      }
      names.forEach(n -> byName.put(n, metric));
      metrics.add(metric);
    }
    return metric;
  }

  /** Every family in the text format, ready to be the body of a {@code /metrics} answer. */
  public String scrape() {
    StringBuilder out = new StringBuilder(4096);
    for (Metric<?> metric : metrics) {
      metric.writeTo(out);
    }
    return out.toString();
  }
}
