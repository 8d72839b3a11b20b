package dev.fluke.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Observations counted into fixed buckets, with their sum. Each observation increments exactly one
 * bucket (non-cumulative, lock-free); the scrape adds them up into Prometheus's cumulative {@code
 * _bucket{le="..."}} series and writes {@code _count} as the {@code +Inf} bucket, so {@code +Inf ==
 * _count} holds even while observations race with a scrape.
 */
public final class Histogram extends Metric<Histogram.Child> {
  private final double[] bounds;
  private final String[] boundLabels;

  Histogram(String name, String help, double[] bounds, List<String> labelNames) {
    this(name, help, labelNames, checkedBounds(name, bounds));
  }

  private Histogram(String name, String help, List<String> labelNames, double[] bounds) {
    super(name, help, labelNames, values -> new Child(bounds));
    if (labelNames.contains("le")) {
      throw new IllegalArgumentException("a histogram cannot have a label named 'le': " + name);
    }
    this.bounds = bounds;
    this.boundLabels =
        Arrays.stream(bounds).mapToObj(PrometheusText::formatValue).toArray(String[]::new);
  }

  private static double[] checkedBounds(String name, double[] bounds) {
    if (bounds.length == 0) {
      throw new IllegalArgumentException("a histogram needs at least one bucket: " + name);
    }
    for (int i = 0; i < bounds.length; i++) {
      if (Double.isNaN(bounds[i])
          || Double.isInfinite(bounds[i])
          || (i > 0 && bounds[i] <= bounds[i - 1])) {
        throw new IllegalArgumentException(
            "bucket bounds of "
                + name
                + " must be finite and strictly increasing: "
                + Arrays.toString(bounds));
      }
    }
    return bounds.clone();
  }

  /** Observes into the unlabelled histogram; only for histograms without labels. */
  public void observe(double value) {
    labels().observe(value);
  }

  @Override
  String type() {
    return "histogram";
  }

  /** The upper bounds of the finite buckets (the {@code +Inf} bucket is implied). */
  public double[] bounds() {
    return bounds.clone();
  }

  @Override
  void writeSamples(StringBuilder out, List<String> labelValues, Child child) {
    long cumulative = 0;
    for (int i = 0; i < bounds.length; i++) {
      cumulative += child.buckets[i].sum();
      sample(out, name() + "_bucket", labelValues, "le", boundLabels[i], cumulative);
    }
    cumulative += child.buckets[bounds.length].sum();
    sample(out, name() + "_bucket", labelValues, "le", "+Inf", cumulative);
    sample(out, name() + "_sum", labelValues, null, null, child.sum.sum());
    sample(out, name() + "_count", labelValues, null, null, cumulative);
  }

  /** One labelled series. */
  public static final class Child {
    private final double[] bounds;
    // buckets[i] counts observations in (bounds[i-1], bounds[i]]; the last one those above every
    // bound.
    private final LongAdder[] buckets;
    private final DoubleAdder sum = new DoubleAdder();

    private Child(double[] bounds) {
      this.bounds = bounds;
      buckets = new LongAdder[bounds.length + 1];
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    public void observe(double value) {
      // Few buckets: a linear scan beats a binary search and keeps the code obvious.
      int i = 0;
      while (i < bounds.length && value > bounds[i]) {
        i++;
      }
      buckets[i].increment();
      sum.add(value);
    }

    /** The number of observations so far. */
    public long count() {
      long n = 0;
      for (LongAdder b : buckets) {
        n += b.sum();
      }
      return n;
    }

    public double sum() {
      return sum.sum();
    }
  }
}
