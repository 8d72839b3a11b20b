package dev.fluke.metrics;

/**
 * The escaping and number rules of the Prometheus text exposition format 0.0.4: label values escape
 * backslash, double quote and line feed; help texts escape backslash and line feed; values are
 * Go-style floats ({@code +Inf}, {@code -Inf}, {@code NaN}), whole numbers written without a
 * fraction.
 */
public final class PrometheusText {
  /** The {@code Content-Type} a scrape answer must carry. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private PrometheusText() {}

  static String escapeLabelValue(String value) {
    if (value.indexOf('\\') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0) {
      return value;
    }
    StringBuilder sb = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '"' -> sb.append("\\\"");
        case '\n' -> sb.append("\\n");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  static String escapeHelp(String help) {
    return help.replace("\\", "\\\\").replace("\n", "\\n");
  }

  static String formatValue(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (value == Double.POSITIVE_INFINITY) {
      return "+Inf";
    }
    if (value == Double.NEGATIVE_INFINITY) {
      return "-Inf";
    }
    // Counts and most gauges are whole: "42" reads better than "42.0" and parses the same.
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }
}
