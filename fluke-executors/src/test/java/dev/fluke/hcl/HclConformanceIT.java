package dev.fluke.hcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.hcl.Body.Attribute;
import dev.fluke.hcl.Body.Block;
import dev.fluke.hcl.Body.BodyItem;
import dev.fluke.testing.TestTools;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fluke's HCL reader against HashiCorp's own (github.com/hashicorp/hcl/v2, run through the small Go
 * program in src/test/go/hclconformance, built offline from Debian's packages): on a corpus of
 * hand-written files covering the syntax plus the repository's manifests, Fluke accepts nothing
 * HashiCorp rejects, and every value both compute is the same. Each difference must be listed in
 * {@code hcl-conformance/deviations.txt} with the reason given in docs/manifest.md, and every
 * listed difference must still occur.
 */
class HclConformanceIT {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private static final Path ROOT = TestTools.projectRoot();
  private static final Path CORPUS =
      ROOT.resolve("fluke-executors/src/test/resources/hcl-conformance");

  /** What one reader made of a file: syntax accepted, and each attribute's value or error. */
  private record Reading(boolean syntaxOk, String errors, Map<String, Object> values) {}

  /** Stands for an attribute whose evaluation failed. */
  private record Failed(String error) {}

  @Test
  void flukeAcceptsNothingHashiCorpRejectsAndValuesAgree() throws Exception {
    List<Path> files = corpus();
    Map<String, JsonNode> hashicorp = runHashiCorp(files);
    List<String> differences = new ArrayList<>();
    int values = 0;
    for (Path file : files) {
      String name = ROOT.relativize(file).toString();
      JsonNode theirs = hashicorp.get(file.toString());
      Reading ours = readWithFluke(name, Files.readString(file));
      boolean theirSyntax = theirs.get("syntax_ok").asBoolean();
      if (theirSyntax != ours.syntaxOk()) {
        differences.add(
            name
                + " * "
                + (ours.syntaxOk() ? "fluke-accepts-syntax" : "fluke-rejects-syntax")
                + " (hcl: "
                + theirs.get("errors")
                + "; fluke: "
                + ours.errors()
                + ")");
        continue;
      }
      if (!theirSyntax) {
        continue;
      }
      Set<String> paths = new TreeSet<>(ours.values().keySet());
      theirs.get("values").fieldNames().forEachRemaining(paths::add);
      for (String path : paths) {
        JsonNode their = theirs.get("values").get(path);
        Object our = ours.values().get(path);
        if (their == null || !ours.values().containsKey(path)) {
          differences.add(name + " " + path + " missing (hcl: " + their + ", fluke: " + our + ")");
          continue;
        }
        boolean theirOk = their.get("ok").asBoolean();
        boolean ourOk = !(our instanceof Failed);
        if (theirOk && ourOk) {
          values++;
          if (!same(their.get("value"), our, their.path("wrap").asBoolean())) {
            differences.add(
                name + " " + path + " value (hcl: " + their.get("value") + ", fluke: " + our + ")");
          }
        } else if (theirOk) {
          differences.add(
              name + " " + path + " fluke-rejects-value (" + ((Failed) our).error() + ")");
        } else if (ourOk) {
          differences.add(
              name
                  + " "
                  + path
                  + " fluke-accepts-value (hcl: "
                  + their.get("error").asText()
                  + "; fluke: "
                  + our
                  + ")");
        }
      }
    }
    Map<String, String> listed = deviations();
    List<String> unexplained = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String d : differences) {
      String key = d.substring(0, d.indexOf(' ', d.indexOf(' ') + 1) + 1) + kind(d);
      if (listed.containsKey(key)) {
        seen.add(key);
      } else {
        unexplained.add(d);
      }
    }
    assertEquals(List.of(), unexplained, "differences from HashiCorp HCL not in deviations.txt");
    Set<String> stale = new TreeSet<>(listed.keySet());
    stale.removeAll(seen);
    assertEquals(Set.of(), stale, "deviations.txt lists differences that no longer occur");
    assertTrue(values > 150, "compared only " + values + " values");
  }

  private static String kind(String difference) {
    String rest = difference.substring(difference.indexOf(' ', difference.indexOf(' ') + 1) + 1);
    int end = rest.indexOf(' ');
    return end < 0 ? rest : rest.substring(0, end);
  }

  /** {@code file path kind} → reason, from deviations.txt ({@code #} starts a comment). */
  private static Map<String, String> deviations() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(CORPUS.resolve("deviations.txt"))) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] parts = l.split(":", 2);
      out.put(parts[0].strip(), parts.length > 1 ? parts[1].strip() : "");
    }
    return out;
  }

  private static List<Path> corpus() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(CORPUS)) {
      s.filter(p -> p.toString().endsWith(".hcl")).sorted().forEach(files::add);
    }
    try (Stream<Path> s = Files.walk(ROOT.resolve("conf"))) {
      s.filter(p -> p.toString().endsWith(".hcl")).sorted().forEach(files::add);
    }
    assertTrue(files.size() > 30, "corpus: " + files);
    return files;
  }

  // ---- HashiCorp's reader, through the Go program

  private static Map<String, JsonNode> runHashiCorp(List<Path> files) throws Exception {
    Path binary = buildGoProgram();
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    files.forEach(f -> command.add(f.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "hclconformance did not finish");
    assertEquals(0, p.exitValue(), err);
    Map<String, JsonNode> byFile = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        JsonNode n = JSON.readTree(line);
        byFile.put(n.get("file").asText(), n);
      }
    }
    assertEquals(files.size(), byFile.size(), out);
    return byFile;
  }

  /**
   * Builds the Go program with the Debian packages' sources (GOPATH mode, no network). Fails, not
   * skips, without Go: scripts/test.sh installs golang-go and golang-github-hashicorp-hcl-v2-dev.
   */
  private static Path buildGoProgram() throws Exception {
    Path source = ROOT.resolve("fluke-executors/src/test/go/hclconformance");
    Path target = ROOT.resolve("fluke-executors/target/hclconformance");
    Files.createDirectories(target);
    Path binary = target.resolve("hclconformance");
    ProcessBuilder pb;
    try {
      pb = new ProcessBuilder("go", "build", "-o", binary.toString(), ".");
      pb.directory(source.toFile());
      pb.environment().put("GO111MODULE", "off");
      pb.environment().put("GOPATH", "/usr/share/gocode");
      pb.environment().put("GOFLAGS", "");
      pb.environment().put("GOCACHE", target.resolve("go-cache").toString());
      pb.environment().put("GOTOOLCHAIN", "local");
      pb.redirectErrorStream(true);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(5, TimeUnit.MINUTES), "go build did not finish");
      assertEquals(0, p.exitValue(), "go build failed:\n" + out);
    } catch (IOException noGo) {
      fail(
          "the Go toolchain is needed (Debian: golang-go golang-github-hashicorp-hcl-v2-dev;"
              + " scripts/test.sh installs them): "
              + noGo.getMessage());
    }
    return binary;
  }

  // ---- Fluke's reader

  /**
   * Parses and evaluates as the manifest loader does (top-level locals blocks define local.NAME),
   * with HCL's one schema-free rule on top: an attribute name appears once per body.
   */
  private static Reading readWithFluke(String name, String content) {
    Diagnostics diags = new Diagnostics();
    Body body = HclParser.parse(name, content, diags);
    checkDuplicates(body, diags);
    if (diags.hasErrors()) {
      return new Reading(false, diags.errors().toString(), Map.of());
    }
    Diagnostics evalDiags = new Diagnostics();
    Evaluator evaluator = new Evaluator(HclFunctions.standard(), evalDiags);
    for (BodyItem item : body.items()) {
      if (item instanceof Block b && b.type().equals("locals") && b.labels().isEmpty()) {
        evaluator.defineLocals(b);
      }
    }
    Map<String, Object> values = new TreeMap<>();
    evaluate(body, "", evaluator, evalDiags, values);
    return new Reading(true, "", values);
  }

  private static void evaluate(
      Body body, String prefix, Evaluator evaluator, Diagnostics diags, Map<String, Object> out) {
    int blocks = 0;
    for (BodyItem item : body.items()) {
      if (item instanceof Attribute a) {
        int before = diags.count();
        Object v = evaluator.evaluate(a.value());
        out.put(
            prefix + a.name(),
            v == Values.INVALID
                ? new Failed(
                    diags.count() > before
                        ? diags.errors().get(Math.min(before, diags.errors().size() - 1)).format()
                        : "invalid")
                : v);
      } else if (item instanceof Block b) {
        evaluate(b.body(), prefix + blocks + ":" + b.type() + "/", evaluator, diags, out);
        blocks++;
      }
    }
  }

  private static void checkDuplicates(Body body, Diagnostics diags) {
    Set<String> names = new HashSet<>();
    for (BodyItem item : body.items()) {
      if (item instanceof Attribute a && !names.add(a.name())) {
        diags.error(a.pos(), "duplicate attribute " + a.name());
      } else if (item instanceof Block b) {
        checkDuplicates(b.body(), diags);
      }
    }
  }

  // ---- values

  /**
   * HCL's value (JSON) equals Fluke's: numbers to double precision (HCL computes with arbitrary
   * precision, Fluke with 64 bits: documented), and a lone interpolation ({@code "${x}"}) is always
   * a string in Fluke where HCL passes the value through (documented).
   */
  private static boolean same(JsonNode theirs, Object ours, boolean wrap) {
    if (wrap && ours instanceof String s && theirs.isValueNode() && !theirs.isNull()) {
      if (theirs.isNumber()) {
        return numbersEqual(theirs.decimalValue(), s);
      }
      return theirs.asText().equals(s);
    }
    return same(theirs, ours);
  }

  private static boolean same(JsonNode theirs, Object ours) {
    if (theirs.isNull()) {
      return ours == null;
    }
    if (theirs.isTextual()) {
      return theirs.asText().equals(ours);
    }
    if (theirs.isBoolean()) {
      return Boolean.valueOf(theirs.asBoolean()).equals(ours);
    }
    if (theirs.isNumber()) {
      return Values.isNumber(ours)
          && numbersEqual(theirs.decimalValue(), Values.formatNumber(ours));
    }
    if (theirs.isArray()) {
      if (!(ours instanceof List<?> l) || l.size() != theirs.size()) {
        return false;
      }
      for (int i = 0; i < l.size(); i++) {
        if (!same(theirs.get(i), l.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (theirs.isObject()) {
      if (!(ours instanceof Map<?, ?> m) || m.size() != theirs.size()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = theirs.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!m.containsKey(e.getKey()) || !same(e.getValue(), m.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean numbersEqual(BigDecimal theirs, String ours) {
    try {
      return theirs.doubleValue() == new BigDecimal(ours).doubleValue();
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
