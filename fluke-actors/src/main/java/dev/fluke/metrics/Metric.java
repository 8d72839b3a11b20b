package dev.fluke.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One metric family: a name, a help text, label names and one child per combination of label
 * values. Children are created on first use and live as long as the registry, so callers may keep
 * them and update them without any lookup on the hot path.
 *
 * @param <C> the child type that holds the values
 */
public abstract sealed class Metric<C> permits Counter, Gauge, Histogram {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  private final String name;
  private final String help;
  private final List<String> labelNames;
  private final Map<List<String>, C> children = new ConcurrentHashMap<>();
  private final Function<List<String>, C> childFactory;

  Metric(
      String name, String help, List<String> labelNames, Function<List<String>, C> childFactory) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a valid Prometheus metric name: '" + name + "'");
    }
    for (String label : labelNames) {
      if (!LABEL.matcher(label).matches() || label.startsWith("__")) {
        throw new IllegalArgumentException("not a valid Prometheus label name: '" + label + "'");
      }
    }
    if (labelNames.stream().distinct().count() != labelNames.size()) {
      throw new IllegalArgumentException("label names repeat in " + name + ": " + labelNames);
    }
    this.name = name;
    this.help = help;
    this.labelNames = List.copyOf(labelNames);
    this.childFactory = childFactory;
  }

  public final String name() {
    return name;
  }

  public final String help() {
    return help;
  }

  public final List<String> labelNames() {
    return labelNames;
  }

  /** {@code counter}, {@code gauge} or {@code histogram}, as written on the {@code # TYPE} line. */
  abstract String type();

  /**
   * The child for these label values, in the order of {@link #labelNames()}. Created on first call;
   * later calls return the same child.
   */
  public final C labels(String... values) {
    if (values.length != labelNames.size()) {
      throw new IllegalArgumentException(
          name
              + " has labels "
              + labelNames
              + " but got "
              + values.length
              + " value(s): "
              + Arrays.toString(values));
    }
    List<String> key = List.of(values); // rejects nulls, so a label value is always written
    C child = children.get(key);
    return child != null ? child : children.computeIfAbsent(key, childFactory);
  }

  /** Children sorted by label values, so a scrape is stable from one call to the next. */
  final List<Map.Entry<List<String>, C>> sortedChildren() {
    List<Map.Entry<List<String>, C>> entries = new ArrayList<>(children.entrySet());
    entries.sort(Map.Entry.comparingByKey(Metric::compareLabelValues));
    return entries;
  }

  private static int compareLabelValues(List<String> a, List<String> b) {
    Comparator<String> natural = Comparator.naturalOrder();
    for (int i = 0; i < a.size(); i++) {
      int c = natural.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /** Appends this family's {@code # HELP}, {@code # TYPE} and sample lines. */
  final void writeTo(StringBuilder out) {
    out.append("# HELP ")
        .append(name)
        .append(' ')
        .append(PrometheusText.escapeHelp(help))
        .append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type()).append('\n');
    writeBody(out);
  }

  /** The sample lines: one group per child, unless a family computes its samples otherwise. */
  void writeBody(StringBuilder out) {
    for (Map.Entry<List<String>, C> entry : sortedChildren()) {
      writeSamples(out, entry.getKey(), entry.getValue());
    }
  }

  abstract void writeSamples(StringBuilder out, List<String> labelValues, C child);

  /**
   * One sample line: {@code name{a="x",b="y"} value}; {@code extraLabel} (e.g. {@code le}) goes
   * last.
   */
  final void sample(
      StringBuilder out,
      String sampleName,
      List<String> labelValues,
      String extraLabel,
      String extraValue,
      double value) {
    out.append(sampleName);
    if (!labelValues.isEmpty() || extraLabel != null) {
      out.append('{');
      for (int i = 0; i < labelValues.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append(labelNames.get(i))
            .append("=\"")
            .append(PrometheusText.escapeLabelValue(labelValues.get(i)))
            .append('"');
      }
      if (extraLabel != null) {
        if (!labelValues.isEmpty()) {
          out.append(',');
        }
        out.append(extraLabel).append("=\"").append(extraValue).append('"');
      }
      out.append('}');
    }
    out.append(' ').append(PrometheusText.formatValue(value)).append('\n');
  }
}
