package dev.fluke.hcl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.hcl.Body.Attribute;
import dev.fluke.hcl.Body.Block;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The HCL syntax added for language completeness: for expressions, splats, template directives with
 * strip markers, NFC strings, and their errors with file:line:column.
 */
class HclLanguageTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Diagnostics diags = new Diagnostics();

  private Object eval(String text) {
    Body body = HclParser.parse("f.hcl", text, diags);
    Evaluator evaluator = new Evaluator(HclFunctions.standard(), diags);
    Object last = null;
    for (Body.BodyItem item : body.items()) {
      if (item instanceof Block b && b.type().equals("locals")) {
        evaluator.defineLocals(b);
        evaluator.evaluateLocals();
      } else if (item instanceof Attribute a) {
        last = evaluator.evaluate(a.value());
      }
    }
    return last;
  }

  private List<String> errors() {
    return diags.sorted(List.of("f.hcl")).stream().map(Diagnostic::format).toList();
  }

  private String json(String text) throws Exception {
    Object v = eval(text);
    assertEquals(List.of(), errors());
    return JSON.writeValueAsString(v);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(
      delimiterString = " ↦ ",
      quoteCharacter = '`',
      textBlock =
          """
      [for x in [1, 2, 3] : x * 2] ↦ [2,4,6]
      [for i, x in ["a", "b"] : "${i}=${x}"] ↦ ["0=a","1=b"]
      [for x in [1, 2, 3, 4] : x if x % 2 == 0] ↦ [2,4]
      {for x in ["a", "b"] : x => upper(x)} ↦ {"a":"A","b":"B"}
      {for k, v in {b = 1, a = 2} : v => k} ↦ {"2":"a","1":"b"}
      [for k, v in {b = 1, a = 2} : k] ↦ ["a","b"]
      {for s in ["ab", "ac", "bc"] : substr(s, 0, 1) => s...} ↦ {"a":["ab","ac"],"b":["bc"]}
      [for x in [] : x] ↦ []
      [for x in [[1, 2], [3]] : [for y in x : y + 10]] ↦ [[11,12],[13]]
      [{a = 1}, {a = 2}][*].a ↦ [1,2]
      [{a = {b = 1}}, {a = {b = 2}}][*].a.b ↦ [1,2]
      [{a = [1, 2]}, {a = [3, 4]}][*].a[0] ↦ [1,3]
      [{a = 1}, {a = 2}].*.a ↦ [1,2]
      [{a = [5, 6]}, {a = [7]}].*.a[1] ↦ [7]
      {a = 1}[*].a ↦ [1]
      null[*] ↦ []
      [[1, 2], [3]][*][0] ↦ [1,3]
      "%{ if true }yes%{ else }no%{ endif }" ↦ "yes"
      "%{ if 1 > 2 }yes%{ else }no%{ endif }" ↦ "no"
      "%{ if false }yes%{ endif }" ↦ ""
      "%{ for x in ["a", "b", "c"] }${x}.%{ endfor }" ↦ "a.b.c."
      "%{ for i, x in ["a", "b"] }${i}${x}%{ endfor }" ↦ "0a1b"
      "a  ${~ "b" ~}  c" ↦ "abc"
      "a  %{~ if true ~}  b  %{~ endif ~}  c" ↦ "abc"
      "%%{ literal }" ↦ "%{ literal }"
      "e\\u0301" ↦ "é"
      {"e\\u0301" = 1} ↦ {"é":1}
      """)
  void evaluates(String expression, String expectedJson) throws Exception {
    assertEquals(expectedJson, json("x = " + expression + "\n"));
  }

  @Test
  void heredocDirectivesStripOnlyTheirOwnLines() throws Exception {
    String text =
        """
        x = <<EOT
        %{ for ip in ["10.0.0.1", "10.0.0.2"] ~}
        server ${ip}
        %{ endfor ~}
        done
        EOT
        """;
    assertEquals("\"server 10.0.0.1\\nserver 10.0.0.2\\ndone\\n\"", json(text));
  }

  @Test
  void aForExpressionSeesItsOwnVariablesOnlyAndLocalsSeeNone() {
    eval(
        """
        locals {
          uses_x = x
          list   = [for x in [1] : local.uses_x]
        }
        """);
    assertEquals(
        List.of(
            "f.hcl:2:12: unknown variable \"x\": only local.NAME can be referenced (for the string,"
                + " write \"x\" in quotes)"),
        errors());
  }

  @Test
  void stringsAreNormalisedToFormCWhereverTheyAreMade() throws Exception {
    assertEquals("[\"é\",\"é\"]", json("x = [\"e\\u0301\", join(\"\", [\"e\", \"\\u0301\"])]\n"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = " ↦ ",
      quoteCharacter = '`',
      textBlock =
          """
      [for x in 5 : x] ↦ f.hcl:1:15: a for expression goes through a list or a map, got number
      [for x in [1] : x => x] ↦ f.hcl:1:23: a list for expression has no key: write [for … : value], or {for … : key => value} for a map
      {for x in [1] : x} ↦ f.hcl:1:22: expected '=>' after the key in the for expression at 1:5: a map for expression is {for … : key => value}
      [for x in [1] : x...] ↦ f.hcl:1:22: grouping with '...' works in a map for expression only: {for … : k => v...}
      [for x [1] : x] ↦ f.hcl:1:12: expected 'in' after the variable names in the for expression at 1:5, found '['
      [for x in [1] : x if x] ↦ f.hcl:1:26: the if condition of a for expression must be a bool, got number
      {for x in ["a", "a"] : x => 1} ↦ f.hcl:1:28: duplicate key "a" made by the for expression; write '...' after the value to group the values of a key in a list
      "%{ if true }x" ↦ f.hcl:1:6: the %{ if } directive opened here has no %{ endif } before the end of the string
      "x%{ endif }" ↦ f.hcl:1:7: unexpected %{ endif }: no %{ if } or %{ for } is open here
      "%{ for x in [1] }%{ else }%{ endfor }" ↦ f.hcl:1:23: unexpected %{ else }: expected %{ endfor } for the directive at 1:6
      "%{ fi true }" ↦ f.hcl:1:9: expected a template directive keyword (if, else, endif, for, endfor) after %{, found identifier fi; write %%{ for a literal %{
      [1].*.a.* ↦ f.hcl:1:13: a splat (*) cannot follow another .* splat: write [*] instead
      {a = 1 b = 2} ↦ f.hcl:1:12: expected ',' or a new line after the value of "a" in the map opened at 1:5, found identifier b
      """)
  void reportsMistakesWithFileLineColumn(String expression, String error) {
    eval("x = " + expression + "\n");
    assertEquals(List.of(error), errors());
  }
}
