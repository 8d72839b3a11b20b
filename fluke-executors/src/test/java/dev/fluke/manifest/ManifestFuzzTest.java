package dev.fluke.manifest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.hcl.Limits;
import dev.fluke.testing.TestTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every input ends as "loaded" or "rejected with file:line:column", never as a crash (issue 6): a
 * fixed-seed fuzzer mutates the example manifests and the HCL test corpus a few thousand times
 * (deleting, duplicating, splicing, inserting HCL's punctuation and keywords, nesting a construct
 * thousands of times) and loads each result. Any exception, any error without a position, any
 * internal error (the loader's last line of defence) or more errors than the limit fails the test
 * with the input that caused it.
 */
class ManifestFuzzTest {
  private static final long SEED = 20_261_123L;
  private static final int MUTATIONS = 3_000;

  /** Pieces of HCL syntax, valid and broken, inserted at random places. */
  private static final String[] PIECES = {
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "${",
    "%{",
    "~}",
    "${~",
    "}\"",
    "=",
    "==",
    "=>",
    ":",
    ",",
    "...",
    ".",
    ".*",
    "[*]",
    "?",
    "!",
    "-",
    "+",
    "*",
    "/",
    "%",
    "&&",
    "||",
    "\n",
    "\t",
    " ",
    "#",
    "//",
    "/*",
    "*/",
    "\\",
    "\\u",
    "<<EOF\n",
    "\nEOF\n",
    "<<-X\n",
    "for",
    "in",
    "if",
    "else",
    "endif",
    "endfor",
    "local.",
    "locals {\n",
    "task \"x\" {\n",
    "selector ",
    "match_labels",
    "shell \"s\" ",
    "null",
    "true",
    "9223372036854775807",
    "-9223372036854775808",
    "1e999",
    "0.000001",
    "é",
    "e\u0301",
    "\u0000",
    "\uFEFF",
    "\uD800",
    "'",
    "$",
    "&",
    "|",
    "@",
    "format(\"%.999999999f\", 1.5)",
    "substr(\"abc\", 1, 9223372036854775807)",
    "upper(",
    "[for x in [1, 2] : x]",
    "{for k, v in {a = 1} : k => v}",
    "\"%{ if true }x%{ endif }\"",
    "replace(\"aaaaaaaaaaaaaaaaaaaaaaaaa!\", \"/((a+)+)+c/\", \"\")",
    "jsonencode(",
    "env(\"HOME\")"
  };

  /** Constructs nested thousands of times by some mutations. */
  private static final String[][] NESTINGS = {
    {"[", "]"},
    {"{a = ", "}"},
    {"(", ")"},
    {"upper(", ")"},
    {"\"${", "}\""},
    {"!", ""},
    {"-", ""},
    {"x {\n", "}\n"},
    {"true ? ", " : 1"},
    {"[for x in [1] : ", "]"},
    {"", "[*]"},
    {"\"%{ if true }", "%{ endif }\""},
    {"", " + 1"}
  };

  @Test
  void everyMutatedManifestIsLoadedOrRejectedWithPositionsNeverACrash() throws IOException {
    List<String> seeds = seeds();
    Random random = new Random(SEED);
    HclManifestLoader loader = HclManifestLoader.builtin();
    int loaded = 0;
    int rejected = 0;
    for (int i = 0; i < MUTATIONS; i++) {
      String content = seeds.get(random.nextInt(seeds.size()));
      int steps = 1 + random.nextInt(4);
      for (int s = 0; s < steps; s++) {
        content = mutate(content, seeds, random);
      }
      TreeMap<String, String> files = new TreeMap<>();
      files.put("a.fluke.hcl", content);
      if (random.nextInt(4) == 0) {
        files.put("b/b.fluke.hcl", seeds.get(random.nextInt(seeds.size())));
      }
      ManifestSet set;
      try {
        set = loader.parse(files);
      } catch (Throwable t) {
        throw new AssertionError("input #" + i + " threw " + t + ":\n" + content, t);
      }
      if (set.ok()) {
        loaded++;
      } else {
        rejected++;
        check(set, i, content);
      }
    }
    // The mix must exercise both outcomes, or the fuzzer is not mutating what matters.
    assertTrue(loaded > MUTATIONS / 50, "loaded " + loaded + ", rejected " + rejected);
    assertTrue(rejected > MUTATIONS / 2, "loaded " + loaded + ", rejected " + rejected);
  }

  private static void check(ManifestSet set, int i, String content) {
    String where = "input #" + i + ":\n" + content + "\nerrors: " + set.errors();
    assertFalse(set.errors().isEmpty(), where);
    assertTrue(set.errors().size() <= Limits.DEFAULT.maxErrors() + 1, where);
    for (ManifestError e : set.errors()) {
      assertTrue(set.files().contains(e.pos().file()), where);
      assertTrue(e.pos().line() >= 1 && e.pos().column() >= 1, where);
      assertFalse(e.message().isBlank(), where);
      assertFalse(e.message().startsWith(HclManifestLoader.INTERNAL_ERROR), where);
    }
  }

  private static String mutate(String s, List<String> seeds, Random random) {
    int at = s.isEmpty() ? 0 : random.nextInt(s.length() + 1);
    int end = Math.min(s.length(), at + random.nextInt(40));
    switch (random.nextInt(8)) {
      case 0: // delete a range
        return s.substring(0, at) + s.substring(end);
      case 1: // duplicate a range
        return s.substring(0, end) + s.substring(at, end) + s.substring(end);
      case 2: // splice a range of another file
        {
          String other = seeds.get(random.nextInt(seeds.size()));
          int from = random.nextInt(other.length());
          int to = Math.min(other.length(), from + random.nextInt(200));
          return s.substring(0, at) + other.substring(from, to) + s.substring(at);
        }
      case 3: // replace one character
        return at < s.length()
            ? s.substring(0, at)
                + PIECES[random.nextInt(PIECES.length)].charAt(0)
                + s.substring(at + 1)
            : s;
      case 4: // nest a construct thousands of times
        {
          String[] n = NESTINGS[random.nextInt(NESTINGS.length)];
          int times = 1_000 + random.nextInt(3_000);
          return s.substring(0, at)
              + n[0].repeat(times)
              + "1"
              + n[1].repeat(times)
              + s.substring(at);
        }
      case 5: // truncate
        return s.substring(0, at);
      default: // insert a piece of syntax
        return s.substring(0, at) + PIECES[random.nextInt(PIECES.length)] + s.substring(at);
    }
  }

  private static List<String> seeds() throws IOException {
    Path root = TestTools.projectRoot();
    List<String> seeds = new ArrayList<>();
    for (Path dir :
        List.of(
            root.resolve("conf/examples/manifests"),
            root.resolve("fluke-executors/src/test/resources/hcl-conformance"))) {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.filter(p -> p.toString().endsWith(".hcl")).sorted().toList()) {
          seeds.add(Files.readString(p));
        }
      }
    }
    assertTrue(seeds.size() > 20, "seeds: " + seeds.size());
    return seeds;
  }
}
