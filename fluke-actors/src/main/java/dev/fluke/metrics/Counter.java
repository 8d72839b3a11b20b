package dev.fluke.metrics;

import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;

/** A value that only goes up (restarts reset it to zero). Name it {@code *_total}. */
public final class Counter extends Metric<Counter.Child> {
  Counter(String name, String help, List<String> labelNames) {
    super(name, help, labelNames, values -> new Child());
  }

  /** Increments the unlabelled counter; only for counters without labels. */
  public void inc() {
    labels().inc();
  }

  @Override
  String type() {
    return "counter";
  }

  @Override
  void writeSamples(StringBuilder out, List<String> labelValues, Child child) {
    sample(out, name(), labelValues, null, null, child.value());
  }

  /** One labelled series. Updates are lock-free ({@link DoubleAdder}), cheap under contention. */
  public static final class Child {
    private final DoubleAdder value = new DoubleAdder();

    public void inc() {
      value.add(1);
    }

    /**
     * @throws IllegalArgumentException for a negative amount: a counter never goes down
     */
    public void inc(double amount) {
      if (amount < 0) {
        throw new IllegalArgumentException("a counter cannot be decreased (got " + amount + ")");
      }
      value.add(amount);
    }

    public double value() {
      return value.sum();
    }
  }
}
