package dev.fluke.hcl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.hcl.Body.Attribute;
import dev.fluke.hcl.Body.Block;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EvaluatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Diagnostics diags = new Diagnostics();

  /**
   * Evaluates every attribute of {@code text} (after its locals block) and returns the last value.
   */
  private Object eval(String text) {
    Body body = HclParser.parse("f.hcl", text, diags);
    Evaluator evaluator = new Evaluator(HclFunctions.standard(), diags);
    Object last = null;
    for (Body.BodyItem item : body.items()) {
      if (item instanceof Block b && b.type().equals("locals")) {
        b.body().items().forEach(local -> evaluator.defineLocal((Attribute) local));
        evaluator.evaluateLocals();
      } else if (item instanceof Attribute a) {
        last = evaluator.evaluate(a.value());
      }
    }
    return last;
  }

  private Object expr(String expression) {
    return eval("x = " + expression + "\n");
  }

  private List<String> errors() {
    return diags.sorted(List.of("f.hcl")).stream().map(Diagnostic::format).toList();
  }

  /** Each row: an expression and its value written as JSON. */
  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '`',
      textBlock =
          """
      1 + 2 * 3 => 7
      (1 + 2) * 3 => 9
      10 / 4 => 2.5
      10 / 2 => 5
      7 % 3 => 1
      -(2 - 5) => 3
      1 < 2 && !(2 >= 3) => true
      1 == 1.0 => true
      "a" != "b" || false => true
      true ? "yes" : "no" => "yes"
      [1, 2] == [1, 2] => true
      "n=${1 + 1} ok=${true} f=${1.50}" => "n=2 ok=true f=1.5"
      ["a", "b"][1] => "b"
      { a = { b = "deep" } }.a.b => "deep"
      { a = 1 }["a"] => 1
      upper("abc") => "ABC"
      lower("ABC") => "abc"
      title("hello big world") => "Hello Big World"
      format("%s-%03d|%.2f|%t|%v|%q|%%", "a", 7, 1.5, true, [1], "q") => "a-007|1.50|true|[1]|\\"q\\"|%"
      format("%5s|%-4s|", "ab", "c") => "   ab|c   |"
      join(",", ["a", "b"], ["c"]) => "a,b,c"
      split(",", "a,b,,c") => ["a","b","","c"]
      trimspace("  x \\n") => "x"
      trim("--x--", "-") => "x"
      trimprefix("v1.2", "v") => "1.2"
      trimsuffix("app.service", ".service") => "app"
      chomp("line\\n\\n") => "line"
      replace("a-b-c", "-", "_") => "a_b_c"
      replace("v1.2.3", "/v(\\\\d+)\\\\..*/", "$1") => "1"
      substr("hello", 1, 3) => "ell"
      substr("hello", -3, -1) => "llo"
      strrev("abc") => "cba"
      startswith("prod-web", "prod") => true
      endswith("prod-web", "db") => false
      strcontains("prod-web", "d-w") => true
      concat(["a"], [], ["b", "c"]) => ["a","b","c"]
      merge({ a = 1, b = 2 }, { b = 3 }) => {"a":1,"b":3}
      lookup({ a = "x" }, "a") => "x"
      lookup({ a = "x" }, "b", "dflt") => "dflt"
      coalesce(null, "", "first") => "first"
      length("héllo") => 5
      length([1, 2, 3]) => 3
      length({ a = 1 }) => 1
      keys({ b = 1, a = 2 }) => ["a","b"]
      values({ b = 1, a = 2 }) => [2,1]
      contains(["a", "b"], "b") => true
      index(["a", "b"], "b") => 1
      distinct(["a", "b", "a"]) => ["a","b"]
      flatten([["a"], [["b"]], "c"]) => ["a","b","c"]
      element(["a", "b"], 3) => "b"
      reverse([1, 2, 3]) => [3,2,1]
      sort(["b", "c", "a"]) => ["a","b","c"]
      compact(["a", "", null, "b"]) => ["a","b"]
      slice(["a", "b", "c", "d"], 1, 3) => ["b","c"]
      zipmap(["a", "b"], [1, 2]) => {"a":1,"b":2}
      tostring(42) => "42"
      tostring(true) => "true"
      tonumber("12") => 12
      tonumber("1.25") => 1.25
      tobool("false") => false
      min(3, 1.5, 2) => 1.5
      max(3, 1.5, 2) => 3
      abs(-4) => 4
      ceil(1.2) => 2
      floor(1.8) => 1
      jsonencode({ a = [1, "x", null] }) => "{\\"a\\":[1,\\"x\\",null]}"
      base64encode("fluke") => "Zmx1a2U="
      base64decode("Zmx1a2U=") => "fluke"
      concat(["a"], [["b"], ["c"]]...) => ["a","b","c"]
      """)
  void evaluates(String expression, String json) throws Exception {
    Object value = expr(expression);
    assertEquals(List.of(), errors());
    // Compared as JSON text: Jackson's nodes tell an int 3 from a long 3, HCL does not.
    assertEquals(JSON.readTree(json).toString(), JSON.valueToTree(value).toString());
  }

  @Test
  void localsReferToEachOtherInAnyOrder() {
    Object v =
        eval(
            """
        locals {
          url  = "https://${local.host}:${local.port}/"
          host = lower(local.name)
          name = "Control"
          port = 7070
        }
        x = local.url
        """);
    assertEquals(List.of(), errors());
    assertEquals("https://control:7070/", v);
  }

  @Test
  void aCycleOfLocalsIsReportedOnceWithItsPath() {
    eval(
        """
        locals {
          a = local.b
          b = "${local.c}-x"
          c = local.a
        }
        """);
    assertEquals(
        List.of("f.hcl:4:7: local.a refers to itself: local.a -> local.b -> local.c -> local.a"),
        errors());
  }

  @Test
  void unknownLocalSuggestsAndListsTheDefinedOnes() {
    eval(
        """
        locals {
          app_dir = "/opt/app"
          user    = "deploy"
        }
        x = local.app_dri
        """);
    assertEquals(
        List.of(
            "f.hcl:5:5: unknown local value local.app_dri (did you mean \"app_dir\"?);"
                + " defined locals: app_dir, user"),
        errors());
  }

  @Test
  void bareNamesAreNotStrings() {
    expr("running");
    expr("local");
    assertEquals(
        List.of(
            "f.hcl:1:5: unknown variable \"running\": only local.NAME can be referenced (for the string, write \"running\" in quotes)",
            "f.hcl:1:5: local must be followed by the name of a local value: local.NAME"),
        errors());
  }

  @Test
  void unknownFunctionSuggestsTheClosestName() {
    expr("uppr(\"x\")");
    assertEquals(1, errors().size());
    String error = errors().get(0);
    assertEquals(
        "f.hcl:1:5: unknown function \"uppr\" (did you mean \"upper\"?); available functions: abs, ",
        error.substring(0, error.indexOf("abs, ") + 5));
  }

  @Test
  void unavailableFunctionsExplainWhy() {
    Body body = HclParser.parse("f.hcl", "x = env(\"HOME\")\n", diags);
    new Evaluator(HclFunctions.standard(), diags)
        .explainUnavailable("env", "manifests must not depend on the server's environment")
        .evaluate(((Attribute) body.items().get(0)).value());
    assertEquals(
        List.of(
            "f.hcl:1:5: function env() is not available here: manifests must not depend on the server's"
                + " environment"),
        errors());
  }

  @Test
  void functionErrorsPointAtTheArgument() {
    eval(
        """
        a = upper(["list"])
        b = join(",", "not a list")
        c = lookup({ x = 1 }, "y")
        d = upper("a", "b")
        e = format("%d", "x")
        """);
    assertEquals(
        List.of(
            "f.hcl:1:11: upper: argument 1 must be a string, got list",
            "f.hcl:2:15: join: argument 2 must be a list, got string",
            "f.hcl:3:23: lookup: no key \"y\" in the map (keys: x); give a default as the third argument",
            "f.hcl:4:5: upper() takes 1 argument, got 2: upper(string)",
            "f.hcl:5:18: format: argument 2 must be a number, got string"),
        errors());
  }

  @Test
  void typeErrorsInOperatorsNameTheTypes() {
    eval(
        """
        a = "x" + 1
        b = !"yes"
        c = 1 / 0
        d = "${[1]}"
        e = 1 ? 2 : 3
        """);
    assertEquals(
        List.of(
            "f.hcl:1:9: operator + needs numbers, got string and number (to join strings write \"${a}${b}\")",
            "f.hcl:2:5: operator ! needs a bool, got string",
            "f.hcl:3:7: division by zero",
            "f.hcl:4:8: cannot interpolate a list into a string (use join() or jsonencode())",
            "f.hcl:5:5: the condition must be a bool, got number"),
        errors());
  }

  @Test
  void onlyTheChosenBranchIsEvaluated() {
    Object v =
        eval(
            """
        locals { m = null }
        x = local.m != null ? local.m.key : "fallback"
        """);
    assertEquals(List.of(), errors());
    assertEquals("fallback", v);
  }

  @Test
  void theOtherBranchIsStillCheckedForUnknownFunctions() {
    Object v = expr("true ? \"ok\" : nosuch(1)");
    assertEquals("ok", v);
    assertEquals(1, errors().size());
    assertEquals("f.hcl:1:19: unknown function \"nosuch\";", errors().get(0).substring(0, 38));
  }

  @Test
  void indexAndKeyErrors() {
    eval(
        """
        a = ["x"][3]
        b = { k = 1 }.other
        c = "s".field
        d = { a = 1, a = 2 }
        """);
    assertEquals(
        List.of(
            "f.hcl:1:11: index 3 is out of range for a list of 1 elements",
            "f.hcl:2:15: no key \"other\" in the map; keys: k",
            "f.hcl:3:9: cannot read .field of a string: only maps have keys",
            "f.hcl:4:14: duplicate key \"a\" in the map; first set at f.hcl:4:7"),
        errors());
  }

  @Test
  void anErrorIsReportedOnceEvenWhenItsValueIsUsedAgain() {
    Object v =
        eval(
            """
        locals {
          broken = nosuch()
          a      = "${local.broken}-a"
          b      = [local.broken, local.a]
        }
        x = upper(local.b)
        """);
    assertEquals(1, errors().size());
    assertEquals(Values.INVALID, v);
  }

  @Test
  void valuesKeepDeclarationOrderInMaps() {
    Object v = expr("{ z = 1, a = 2, m = 3 }");
    assertEquals(List.of("z", "a", "m"), List.copyOf(((Map<?, ?>) v).keySet()));
  }
}
