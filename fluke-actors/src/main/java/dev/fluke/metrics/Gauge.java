package dev.fluke.metrics;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * A value that goes up and down, either set by the code ({@link Child#set}) or read when scraped
 * from a {@link DoubleSupplier} (for values that change with time, such as an age). A supplier
 * answering {@code NaN} means "no value yet": that series is left out of the scrape.
 */
public final class Gauge extends Metric<Gauge.Child> {
  private final DoubleSupplier reader;

  Gauge(String name, String help, List<String> labelNames) {
    super(name, help, labelNames, values -> new Child());
    this.reader = null;
  }

  Gauge(String name, String help, DoubleSupplier reader) {
    super(name, help, List.of(), values -> new Child());
    this.reader = reader;
  }

  /**
   * Sets the unlabelled gauge; only for gauges without labels, and not for one read from a
   * supplier.
   */
  public void set(double value) {
    if (reader != null) {
      throw new IllegalStateException(
          name() + " is read from its supplier at every scrape; it cannot be set");
    }
    labels().set(value);
  }

  @Override
  String type() {
    return "gauge";
  }

  @Override
  void writeSamples(StringBuilder out, List<String> labelValues, Child child) {
    sample(out, name(), labelValues, null, null, child.value());
  }

  @Override
  void writeBody(StringBuilder out) {
    if (reader == null) {
      super.writeBody(out);
      return;
    }
    double value = reader.getAsDouble();
    if (!Double.isNaN(value)) {
      sample(out, name(), List.of(), null, null, value);
    }
  }

  /**
   * One labelled series; a double kept as its bits in an {@link AtomicLong} so updates need no
   * lock.
   */
  public static final class Child {
    private final AtomicLong bits = new AtomicLong(Double.doubleToLongBits(0));

    public void set(double value) {
      bits.set(Double.doubleToLongBits(value));
    }

    public void inc() {
      add(1);
    }

    public void dec() {
      add(-1);
    }

    public void add(double delta) {
      long prev;
      long next;
      do {
        prev = bits.get();
        next = Double.doubleToLongBits(Double.longBitsToDouble(prev) + delta);
      } while (!bits.compareAndSet(prev, next));
    }

    public double value() {
      return Double.longBitsToDouble(bits.get());
    }
  }
}
