package dev.fluke.http.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, written for the tests from the
 * format's description (not from our renderer): every line must be a HELP, TYPE or sample line;
 * names, label names and values must be well-formed; each family has one HELP and one TYPE before
 * its samples, its samples are together; histograms have cumulative buckets ending in {@code +Inf}
 * equal to {@code _count}, and a {@code _sum}.
 */
public final class PrometheusTextParser {
  public record Sample(String name, Map<String, String> labels, double value) {}

  public record Family(String name, String type, String help, List<Sample> samples) {}

  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern FLOAT =
      Pattern.compile("[+-]?(Inf|NaN|(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)");

  public static Map<String, Family> parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new AssertionError("the exposition must end with a line feed");
    }
    Map<String, String> helps = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    String current = null;
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.isEmpty()) {
        continue; // the final split piece, or a blank line (allowed, ignored)
      }
      String where = "line " + lineNo + ": " + line;
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ", 2);
        String name = parts[0];
        check(NAME.matcher(name).matches(), "bad metric name", where);
        check(!samples.containsKey(name), "HELP/TYPE after the samples of " + name, where);
        if (line.startsWith("# HELP ")) {
          check(
              helps.put(name, parts.length > 1 ? unescapeHelp(parts[1], where) : "") == null,
              "second HELP",
              where);
        } else {
          check(
              parts.length == 2
                  && List.of("counter", "gauge", "histogram", "summary", "untyped")
                      .contains(parts[1]),
              "bad TYPE",
              where);
          check(types.put(name, parts[1]) == null, "second TYPE", where);
        }
        current = name;
        continue;
      }
      if (line.startsWith("#")) {
        continue; // another comment
      }
      Sample sample = sample(line, where);
      String family = familyOf(sample.name(), types);
      check(
          family.equals(current),
          "sample outside its family's block (family " + family + ")",
          where);
      samples.computeIfAbsent(family, f -> new ArrayList<>()).add(sample);
    }
    Map<String, Family> families = new LinkedHashMap<>();
    for (String name : types.keySet()) {
      check(helps.containsKey(name), "no HELP for " + name, name);
      Family f =
          new Family(name, types.get(name), helps.get(name), samples.getOrDefault(name, List.of()));
      if (f.type().equals("histogram")) {
        checkHistogram(f);
      }
      if (f.type().equals("counter")) {
        f.samples().forEach(s -> check(s.value() >= 0, "negative counter", s.toString()));
      }
      families.put(name, f);
    }
    for (String name : samples.keySet()) {
      check(types.containsKey(name), "samples without TYPE", name);
    }
    return families;
  }

  private static String familyOf(String sampleName, Map<String, String> types) {
    for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
      if (sampleName.endsWith(suffix)) {
        String base = sampleName.substring(0, sampleName.length() - suffix.length());
        if ("histogram".equals(types.get(base))) {
          return base;
        }
      }
    }
    return sampleName;
  }

  private static Sample sample(String line, String where) {
    Matcher m = NAME.matcher(line);
    check(m.lookingAt(), "no metric name", where);
    String name = m.group();
    int i = m.end();
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        Matcher ln = LABEL_NAME.matcher(line).region(i, line.length());
        check(ln.lookingAt(), "bad label name", where);
        String label = ln.group();
        i = ln.end();
        check(line.startsWith("=\"", i), "label without =\"", where);
        i += 2;
        StringBuilder value = new StringBuilder();
        while (true) {
          check(i < line.length(), "unterminated label value", where);
          char c = line.charAt(i++);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            char e = line.charAt(i++);
            check(e == '\\' || e == '"' || e == 'n', "bad escape \\" + e, where);
            value.append(e == 'n' ? '\n' : e);
          } else {
            value.append(c);
          }
        }
        check(labels.put(label, value.toString()) == null, "repeated label " + label, where);
        if (line.charAt(i) == ',') {
          i++;
        } else {
          check(line.charAt(i) == '}', "expected , or }", where);
        }
      }
      i++;
    }
    check(i < line.length() && line.charAt(i) == ' ', "no space before the value", where);
    String[] rest = line.substring(i + 1).split(" ");
    check(
        rest.length == 1 || (rest.length == 2 && rest[1].matches("-?\\d+")),
        "bad value/timestamp",
        where);
    check(FLOAT.matcher(rest[0]).matches(), "bad value " + rest[0], where);
    return new Sample(name, labels, parseFloat(rest[0]));
  }

  private static double parseFloat(String s) {
    return switch (s) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }

  private static void checkHistogram(Family f) {
    Map<Map<String, String>, List<Sample>> byLabels = new LinkedHashMap<>();
    for (Sample s : f.samples()) {
      Map<String, String> key = new LinkedHashMap<>(s.labels());
      key.remove("le");
      byLabels.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
    }
    byLabels.forEach(
        (labels, list) -> {
          String where = f.name() + labels;
          List<Sample> buckets =
              list.stream().filter(s -> s.name().equals(f.name() + "_bucket")).toList();
          check(!buckets.isEmpty(), "no buckets", where);
          double lastLe = Double.NEGATIVE_INFINITY;
          double lastCount = 0;
          for (Sample b : buckets) {
            check(b.labels().containsKey("le"), "bucket without le", where);
            double le = parseFloat(b.labels().get("le"));
            check(le > lastLe, "buckets not in increasing le order", where);
            check(b.value() >= lastCount, "buckets not cumulative", where);
            lastLe = le;
            lastCount = b.value();
          }
          check(lastLe == Double.POSITIVE_INFINITY, "no +Inf bucket", where);
          List<Sample> count =
              list.stream().filter(s -> s.name().equals(f.name() + "_count")).toList();
          List<Sample> sum = list.stream().filter(s -> s.name().equals(f.name() + "_sum")).toList();
          check(count.size() == 1 && sum.size() == 1, "one _count and one _sum", where);
          check(
              count.get(0).value() == lastCount,
              "+Inf bucket (" + lastCount + ") != _count (" + count.get(0).value() + ")",
              where);
        });
  }

  private static String unescapeHelp(String s, String where) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        check(i + 1 < s.length(), "dangling backslash in HELP", where);
        char e = s.charAt(++i);
        check(e == '\\' || e == 'n', "bad HELP escape", where);
        out.append(e == 'n' ? '\n' : e);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static void check(boolean ok, String what, String where) {
    if (!ok) {
      throw new AssertionError("malformed exposition: " + what + " (" + where + ")");
    }
  }
}
