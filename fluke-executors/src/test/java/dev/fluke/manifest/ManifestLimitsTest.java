package dev.fluke.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.exec.BuiltinSchemas;
import dev.fluke.hcl.Limits;
import dev.fluke.schema.Attr;
import dev.fluke.schema.Schema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every input ends as "loaded" or "rejected with file:line:column", never as a crash: one test per
 * class of crash found by fuzzing {@code fluke validate} (issue 6) and per limit of {@link Limits}.
 */
class ManifestLimitsTest {
  private static final Pattern POSITIONED = Pattern.compile("a\\.fluke\\.hcl:[1-9]\\d*:[1-9]\\d*");

  @TempDir Path dir;

  private static ManifestSet parse(String content) {
    return parse(HclManifestLoader.builtin(), content);
  }

  private static ManifestSet parse(HclManifestLoader loader, String content) {
    return loader.parse(new TreeMap<>(Map.of("a.fluke.hcl", content)));
  }

  /** A valid task whose description is the given expression. */
  private static String task(String description) {
    return "task \"t\" {\n"
        + "  description = "
        + description
        + "\n  selector { match_labels = {} }\n"
        + "  shell \"s\" {\n    check   = \"true\"\n    command = \"true\"\n  }\n}\n";
  }

  /** The set is rejected, every error is positioned, none is an internal error. */
  private static List<String> rejected(ManifestSet set) {
    assertFalse(set.ok(), "expected errors");
    List<String> errors = set.errors().stream().map(ManifestError::format).toList();
    for (String e : errors) {
      assertTrue(POSITIONED.matcher(e).lookingAt(), e);
      assertFalse(e.contains(HclManifestLoader.INTERNAL_ERROR), e);
    }
    assertTrue(errors.size() <= Limits.DEFAULT.maxErrors() + 1, "errors: " + errors.size());
    return errors;
  }

  private static String description(ManifestSet set) {
    assertEquals(List.of(), set.errors());
    return set.tasks().get(0).description();
  }

  private static boolean anyContains(List<String> errors, String text) {
    return errors.stream().anyMatch(e -> e.contains(text));
  }

  // ---- the crash classes found by the fuzzer

  @Test
  void aBlockWhereAnAttributeBelongsIsAnErrorNotANullPointer() {
    String manifest =
        "task \"t\" {\n"
            + "  selector { match_labels > {} }\n"
            + "  shell \"s\" {\n    check = \"true\"\n    command = \"true\"\n  }\n}\n";
    List<String> errors = rejected(parse(manifest));
    assertEquals(
        List.of("a.fluke.hcl:2:27: expected '=' or a block after \"match_labels\", found '>'"),
        errors);
  }

  /** An expression nesting one construct 2,000 times. */
  private static String nested(String kind) {
    int n = 2_000;
    return switch (kind) {
      case "map" -> "{a = ".repeat(n) + "1" + "}".repeat(n);
      case "list" -> "[".repeat(n) + "1" + "]".repeat(n);
      case "parentheses" -> "(".repeat(n) + "1" + ")".repeat(n);
      case "call" -> "upper(".repeat(n) + "\"x\"" + ")".repeat(n);
      case "interpolation" -> "\"${".repeat(n) + "1" + "}\"".repeat(n);
      case "conditional" -> "true ? ".repeat(n) + "1" + " : 1".repeat(n);
      case "not" -> "!".repeat(n) + "true";
      case "minus" -> "-".repeat(n) + "1";
      case "for" -> "[for x in [1] : ".repeat(n) + "x" + "]".repeat(n);
      case "splat" -> "[1]" + "[*]".repeat(n);
      case "directive" -> "\"" + "%{ if true }".repeat(n) + "x" + "%{ endif }".repeat(n) + "\"";
      default -> throw new IllegalArgumentException(kind);
    };
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "map",
        "list",
        "parentheses",
        "call",
        "interpolation",
        "conditional",
        "not",
        "minus",
        "for",
        "splat",
        "directive"
      })
  void twoThousandLevelsOfNestingAreOneErrorNotAStackOverflow(String kind) {
    List<String> errors =
        rejected(parse("locals {\n  x = " + nested(kind) + "\n}\n" + task("\"d\"")));
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).contains("nested too deeply"), errors.toString());
    assertTrue(errors.get(0).startsWith("a.fluke.hcl:2:"), errors.toString());
  }

  @Test
  void twoThousandNestedBlocksAreOneError() {
    String manifest = "a {\n".repeat(2000) + "}\n".repeat(2000);
    List<String> errors = rejected(parse(manifest));
    assertTrue(
        anyContains(errors, "block a nested too deeply: more than 100 levels"), errors.toString());
  }

  @Test
  void aSumOfOneHundredThousandTermsIsEvaluatedWithoutNesting() {
    String sum = "1" + " + 1".repeat(99_999);
    assertEquals(
        "100000", description(parse("locals { n = " + sum + " }\n" + task("\"${local.n}\""))));
  }

  @Test
  void aChainOfTenThousandLocalsIsEvaluatedWhateverTheirOrder() {
    StringBuilder sb = new StringBuilder("locals {\n");
    for (int i = 10_000; i >= 1; i--) {
      sb.append("  l").append(i).append(" = local.l").append(i - 1).append(" + 1\n");
    }
    sb.append("  l0 = 0\n}\n");
    assertEquals("10000", description(parse(sb + task("\"${local.l10000}\""))));
  }

  @Test
  void aCycleOfTenThousandLocalsIsAnError() {
    StringBuilder sb = new StringBuilder("locals {\n");
    for (int i = 0; i < 10_000; i++) {
      sb.append("  l").append(i).append(" = local.l").append((i + 1) % 10_000).append("\n");
    }
    sb.append("}\n");
    List<String> errors = rejected(parse(sb + task("\"d\"")));
    assertTrue(anyContains(errors, "local values nested too deeply"), errors.toString());
  }

  @Test
  void wholeNumberArgumentsOfAnySizeNeverOverflow() {
    assertEquals("bc", description(parse(task("substr(\"abc\", 1, 9223372036854775807)"))));
    assertEquals("c", description(parse(task("substr(\"abc\", -1, 9223372036854775807)"))));
    assertEquals("b", description(parse(task("element([\"a\", \"b\"], 9223372036854775807)"))));
    assertEquals(
        "9223372036854775807", description(parse(task("\"${abs(-9223372036854775807)}\""))));
    assertEquals(
        "18446744073709552000",
        description(parse(task("\"${9223372036854775807 + 9223372036854775807}\""))));
    List<String> errors = rejected(parse(task("substr(\"abc\", -9223372036854775807, 1)")));
    assertEquals(
        List.of(
            "a.fluke.hcl:2:31: substr: offset -9223372036854775807 is outside the string of"
                + " length 3"),
        errors);
    errors = rejected(parse(task("\"${99999999999999999999}\"")));
    assertTrue(anyContains(errors, "number 99999999999999999999 is too large"), errors.toString());
  }

  @Test
  void aHugeFormatWidthOrPrecisionIsAnErrorNotAGigabyteString() {
    List<String> errors = rejected(parse(task("format(\"%.999999999f\", 1.5)")));
    assertEquals(
        List.of("a.fluke.hcl:2:24: format: the precision 999999999 is too large: at most 1000"),
        errors);
    errors = rejected(parse(task("format(\"%99999999999999d\", 1)")));
    assertTrue(anyContains(errors, "the width 99999999999999 is too large"), errors.toString());
    assertEquals("  1.50", description(parse(task("format(\"%6.2f\", 1.5)"))));
  }

  @Test
  void aMegabyteOfClosingBracesGivesTheFirstHundredErrorsAndACount() {
    ManifestSet set = parse("}".repeat(1 << 20));
    List<String> errors = rejected(set);
    assertEquals(101, errors.size());
    assertEquals(
        "a.fluke.hcl:1:1: unexpected '}': there is no open block to close here", errors.get(0));
    assertEquals(
        "a.fluke.hcl:1:101: too many errors: 1,048,476 more not shown (only the first 100 are"
            + " reported; fix these and check again)",
        errors.get(100));
    assertEquals(1 << 20, set.totalErrors());
  }

  // ---- value sizes

  @Test
  void aStringDoubledTwentyTimesIsTooLong() {
    StringBuilder sb = new StringBuilder("locals {\n  s0 = \"xx\"\n");
    for (int i = 1; i <= 20; i++) {
      sb.append("  s").append(i).append(" = \"${local.s").append(i - 1).append("}${local.s");
      sb.append(i - 1).append("}\"\n");
    }
    sb.append("}\n");
    List<String> errors = rejected(parse(sb + task("\"d\"")));
    assertEquals(
        List.of(
            "a.fluke.hcl:22:9: string too long: 1,048,577 characters; a value may hold at most"
                + " 1,048,576"),
        errors);
  }

  @Test
  void aListDoubledByConcatIsTooLarge() {
    StringBuilder sb = new StringBuilder("locals {\n  l0 = [1, 2]\n");
    for (int i = 1; i <= 40; i++) {
      sb.append("  l").append(i).append(" = concat(local.l").append(i - 1).append(", local.l");
      sb.append(i - 1).append(")\n");
    }
    sb.append("}\n");
    List<String> errors = rejected(parse(sb + task("\"d\"")));
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith("a.fluke.hcl:22:"), errors.toString());
    assertTrue(errors.get(0).contains("too large"), errors.toString());
  }

  @Test
  void aListSharedAThousandTimesCountsEveryCopy() {
    String manifest =
        "locals {\n"
            + "  row  = split(\"\", format(\"%1000s\", \"\"))\n"
            + "  grid = [for r in local.row : local.row]\n"
            + "}\n"
            + task("\"d\"");
    List<String> errors = rejected(parse(manifest));
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith("a.fluke.hcl:3:10: value too large"), errors.toString());
  }

  @Test
  void aValueNestedByAChainOfLocalsIsTooDeep() {
    StringBuilder sb = new StringBuilder("locals {\n  v0 = 1\n");
    for (int i = 1; i <= 150; i++) {
      sb.append("  v").append(i).append(" = [local.v").append(i - 1).append("]\n");
    }
    sb.append("}\n");
    List<String> errors = rejected(parse(sb + task("jsonencode(local.v150)")));
    assertEquals(
        List.of(
            "a.fluke.hcl:103:10: value nested too deeply: more than 100 levels of lists and maps"
                + " inside one another"),
        errors);
  }

  // ---- evaluation work

  @Test
  void nestedLoopsOverLargeListsRunOutOfWorkNotTime() {
    String manifest =
        "locals {\n"
            + "  big = split(\"\", format(\"%1000s\", \"\"))\n"
            + "  n = [for a in local.big : length([for b in local.big : length([for c in local.big"
            + " : c])])]\n"
            + "}\n"
            + task("\"d\"");
    List<String> errors = rejected(parse(manifest));
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(
        errors.get(0).contains("too much evaluation work: more than 10,000,000 steps"),
        errors.toString());
  }

  @Test
  void aBacktrackingRegularExpressionRunsOutOfWorkNotTime() {
    List<String> errors =
        rejected(parse(task("replace(\"" + "a".repeat(40) + "!\", \"/((a+)+)+c/\", \"x\")")));
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).contains("too much evaluation work"), errors.toString());
  }

  @Test
  void theWorkLimitIsPerSetAndConfigurable() {
    Limits small = new Limits(100, 1 << 20, 100, 1_000, 1_000, 8 << 20, 32 << 20);
    HclManifestLoader loader = new HclManifestLoader(BuiltinSchemas.ALL, small);
    String list = "[" + "1, ".repeat(2_000) + "1]";
    List<String> errors = rejected(parse(loader, task("\"${length(" + list + ")}\"")));
    assertTrue(anyContains(errors, "more than 1,000 steps"), errors.toString());
    assertEquals("2001", description(parse(task("\"${length(" + list + ")}\""))));
  }

  // ---- files

  @Test
  void aFileOrASetTooLargeIsAnErrorBeforeItIsRead() throws Exception {
    Limits small = new Limits(100, 1 << 20, 100, 20_000_000, 1_000, 1_000, 1_500);
    HclManifestLoader loader = new HclManifestLoader(BuiltinSchemas.ALL, small);
    Files.writeString(dir.resolve("a.fluke.hcl"), task("\"" + "x".repeat(990) + "\""));
    ManifestSet set = loader.load(dir, "**/*.fluke.hcl");
    assertEquals(
        List.of(
            "a.fluke.hcl:1:1: the file is too large: 1,115 bytes; a manifest file may have at most 1,000"),
        set.errors().stream().map(ManifestError::format).toList());
    Files.writeString(dir.resolve("a.fluke.hcl"), task("\"" + "x".repeat(800) + "\""));
    Files.writeString(
        dir.resolve("b.fluke.hcl"), task("\"" + "x".repeat(800) + "\"").replace("\"t\"", "\"u\""));
    set = loader.load(dir, "**/*.fluke.hcl");
    assertEquals(
        List.of(
            "b.fluke.hcl:1:1: the manifest set is too large: more than 1,500 bytes with this file"
                + " (files are read in path order)"),
        set.errors().stream().map(ManifestError::format).toList());
  }

  // ---- the last line of defence

  @Test
  void anUnexpectedExceptionBecomesOneErrorAtTheTaskNotACrash() {
    // An attribute type the decoder does not know: SchemaDecoder throws, as a bug would.
    Schema broken = Schema.of(new Attr("x", null, false, null, List.of(), "no type"));
    HclManifestLoader loader = new HclManifestLoader(Map.of("odd", broken));
    ManifestSet set =
        parse(
            loader,
            "\n\ntask \"t\" {\n  selector { match_labels = {} }\n  odd \"o\" { x = 1 }\n}\n");
    assertEquals(1, set.errors().size(), set.errors().toString());
    ManifestError e = set.errors().get(0);
    assertEquals("a.fluke.hcl:3:1", e.pos().toString());
    assertTrue(e.message().startsWith(HclManifestLoader.INTERNAL_ERROR), e.message());
    assertTrue(e.message().contains("NullPointerException"), e.message());
  }

  @Test
  void aStackOverflowBecomesOneErrorNotACrash() {
    // Limits far beyond what a stack holds: the overflow the default limits prevent.
    Limits unbounded = new Limits(1_000_000, 1 << 20, 100, 20_000_000, 1_000, 8 << 20, 32 << 20);
    HclManifestLoader loader = new HclManifestLoader(BuiltinSchemas.ALL, unbounded);
    ManifestSet set =
        parse(loader, "locals { x = " + "[".repeat(200_000) + "]".repeat(200_000) + " }\n");
    assertEquals(1, set.errors().size(), set.errors().toString());
    assertTrue(
        set.errors().get(0).message().contains("StackOverflowError"), set.errors().toString());
    assertEquals("a.fluke.hcl:1:1", set.errors().get(0).pos().toString());
  }
}
