package dev.fluke.hcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.hcl.Body.Attribute;
import dev.fluke.hcl.Body.Block;
import dev.fluke.hcl.Body.BodyItem;
import java.util.List;
import org.junit.jupiter.api.Test;

class HclParserTest {
  private final Diagnostics diags = new Diagnostics();

  private Body parse(String text) {
    return HclParser.parse("f.hcl", text, diags);
  }

  private List<String> errors() {
    return diags.sorted(List.of("f.hcl")).stream().map(Diagnostic::format).toList();
  }

  private static SourcePos at(int line, int column) {
    return new SourcePos("f.hcl", line, column);
  }

  private static List<String> names(Body body) {
    return body.items().stream().map(BodyItem::name).toList();
  }

  private Object value(Body body, String attribute) {
    Attribute a =
        (Attribute)
            body.items().stream().filter(i -> i.name().equals(attribute)).findFirst().orElseThrow();
    return new Evaluator(HclFunctions.standard(), diags).evaluate(a.value());
  }

  @Test
  void keepsDeclarationOrderAcrossAttributesAndBlockTypes() {
    Body body =
        parse(
            """
        task "t" {
          shell "one" {}
          description = "d"
          mise "two" {}
          shell "three" {}
        }
        """);
    assertEquals(List.of(), errors());
    Block task = (Block) body.items().get(0);
    assertEquals(List.of("shell", "description", "mise", "shell"), names(task.body()));
    assertEquals("three", ((Block) task.body().items().get(3)).labels().get(0).value());
  }

  @Test
  void recordsLineAndColumnOfBlocksLabelsAndAttributes() {
    Body body =
        parse(
            """
        # a comment
        task "deploy" {
            unit = "a.service"
        }
        """);
    Block task = (Block) body.items().get(0);
    assertEquals(at(2, 1), task.pos());
    assertEquals(at(2, 6), task.labels().get(0).pos());
    Attribute unit = (Attribute) task.body().items().get(0);
    assertEquals(at(3, 5), unit.pos());
    assertEquals(at(3, 12), unit.value().pos());
  }

  @Test
  void acceptsSeveralAttributesOnOneLineAsTheSpecWritesThem() {
    Body body = parse("git { url = \"https://example.org/app.git\"  branch = \"main\" }\n");
    assertEquals(List.of(), errors());
    Block git = (Block) body.items().get(0);
    assertEquals(List.of("url", "branch"), names(git.body()));
    assertEquals("main", value(git.body(), "branch"));
  }

  @Test
  void skipsAllThreeCommentStyles() {
    Body body =
        parse(
            """
        # hash
        a = 1 // slashes
        /* block
           comment */ b = 2
        """);
    assertEquals(List.of(), errors());
    assertEquals(List.of("a", "b"), names(body));
  }

  @Test
  void readsLiteralsOfEveryType() {
    Body body =
        parse(
            """
        s = "text"
        n = 42
        f = 1.5
        neg = -3
        t = true
        z = null
        l = ["a", 1, false]
        m = { a = 1, "b-c" = "x", d: 2 }
        """);
    assertEquals(List.of(), errors());
    assertEquals("text", value(body, "s"));
    assertEquals(42L, value(body, "n"));
    assertEquals(1.5, value(body, "f"));
    assertEquals(-3L, value(body, "neg"));
    assertEquals(true, value(body, "t"));
    assertEquals(null, value(body, "z"));
    assertEquals(List.of("a", 1L, false), value(body, "l"));
    assertEquals(java.util.Map.of("a", 1L, "b-c", "x", "d", 2L), value(body, "m"));
  }

  @Test
  void multiLineListsAndMapsIgnoreNewlines() {
    Body body =
        parse(
            """
        l = [
          "a",
          "b",
        ]
        m = {
          A = "1"
          B = "2"
        }
        """);
    assertEquals(List.of(), errors());
    assertEquals(List.of("a", "b"), value(body, "l"));
    assertEquals(java.util.Map.of("A", "1", "B", "2"), value(body, "m"));
  }

  @Test
  void processesEscapesAndLiteralDollarBraces() {
    Body body = parse("s = \"tab\\there \\\"q\\\" \\u00e9 $${not} %%{nor}\"\n");
    assertEquals(List.of(), errors());
    assertEquals("tab\there \"q\" é ${not} %{nor}", value(body, "s"));
  }

  @Test
  void heredocKeepsLinesAndTheFinalNewline() {
    Body body =
        parse(
            """
        script = <<EOF
        echo one
          echo ${"two"}
        EOF
        after = 1
        """);
    assertEquals(List.of(), errors());
    assertEquals("echo one\n  echo two\n", value(body, "script"));
    assertEquals(List.of("script", "after"), names(body));
  }

  @Test
  void indentedHeredocRemovesTheCommonIndentation() {
    Body body =
        parse(
            """
        task "t" {
          script = <<-EOT
            line one
              line two
            EOT
        }
        """);
    assertEquals(List.of(), errors());
    Block task = (Block) body.items().get(0);
    assertEquals("line one\n  line two\n", value(task.body(), "script"));
  }

  @Test
  void windowsLineEndingsAreAccepted() {
    Body body = parse("a = 1\r\nb = \"x\"\r\n");
    assertEquals(List.of(), errors());
    assertEquals(at(2, 1), body.items().get(1).pos());
    assertEquals("x", value(body, "b"));
  }

  // ---- errors

  @Test
  void badEscapesAreReported() {
    parse("a = \"\\q\"\nb = \"\\u12\"\n");
    assertEquals(
        List.of(
            "f.hcl:1:6: invalid escape sequence \\q: expected one of \\n \\r \\t \\\" \\\\ \\uNNNN \\UNNNNNNNN",
            "f.hcl:2:6: invalid escape sequence: \\u needs 4 hexadecimal digits"),
        errors());
  }

  @Test
  void unclosedBlockIsReportedAtItsOpeningBrace() {
    Body body =
        parse(
            """
        task "a" {
          x = 1
        """);
    assertEquals(
        List.of(
            "f.hcl:1:10: unclosed block task \"a\": expected '}' to close the '{' opened here,"
                + " found the end of the file"),
        errors());
    assertTrue(((Block) body.items().get(0)).damaged());
  }

  @Test
  void nestedUnclosedBlocksAreEachReported() {
    parse(
        """
        task "a" {
          shell "b" {
            check = "x"
        """);
    assertEquals(
        List.of(
            "f.hcl:1:10: unclosed block task \"a\": expected '}' to close the '{' opened here, found the end of the file",
            "f.hcl:2:13: unclosed block shell \"b\": expected '}' to close the '{' opened here, found the end of the file"),
        errors());
  }

  @Test
  void strayClosingBraceIsReportedAndTheRestIsStillRead() {
    Body body =
        parse(
            """
        task "a" {
          x = 1
        }
        }
        task "b" {
        }
        """);
    assertEquals(
        List.of("f.hcl:4:1: unexpected '}': there is no open block to close here"), errors());
    assertEquals(List.of("task", "task"), names(body));
    assertFalse(((Block) body.items().get(0)).damaged());
  }

  @Test
  void unterminatedStringIsReportedAtItsOpeningQuote() {
    Body body =
        parse(
            """
        a = "no end
        b = 2
        """);
    assertEquals(
        List.of(
            "f.hcl:1:5: unterminated string: a quoted string must end on the line it starts"
                + " (use a heredoc <<EOF for text of several lines)"),
        errors());
    assertEquals(List.of("a", "b"), names(body));
    assertInstanceOf(Expr.Invalid.class, ((Attribute) body.items().get(0)).value());
  }

  @Test
  void missingValueAndMissingEqualsAreReported() {
    parse(
        """
        a =
        b "x"
        c : 1
        """);
    assertEquals(
        List.of(
            "f.hcl:1:4: expected a value (a string, number, bool, list, map, function call, for expression or local.NAME), found end of line",
            "f.hcl:2:6: expected '{' to open block b \"x\", found end of line",
            "f.hcl:3:3: expected '=' or a block after \"c\", found ':' (attributes are set with '=')"),
        errors());
  }

  @Test
  void unclosedListNamesWhereItWasOpened() {
    Body body =
        parse(
            """
        l = ["a", "b"
        m = 1
        """);
    assertEquals(
        List.of("f.hcl:2:1: expected ',' or ']' in the list opened at 1:5, found identifier m"),
        errors());
    assertEquals(List.of("l", "m"), names(body));
  }

  @Test
  void junkAfterAValueIsReported() {
    parse("a = 1 2\n");
    assertEquals(
        List.of(
            "f.hcl:1:7: unexpected number 2 after the value of \"a\": expected the end of the line"),
        errors());
  }

  @Test
  void illegalCharactersAreReportedOnce() {
    parse(
        """
        a = 'single'
        b = 1 ~ 2
        """);
    assertEquals(
        List.of(
            "f.hcl:1:5: unexpected character ''': strings are written in double quotes \"…\"",
            "f.hcl:1:12: unexpected character ''': strings are written in double quotes \"…\"",
            "f.hcl:2:7: unexpected character '~' (a strip marker goes right after ${ or %{, or"
                + " right before the closing })"),
        errors());
  }

  @Test
  void forExpressionsSplatsAndDirectivesParse() {
    Body body =
        parse(
            """
        a = [for x in local.l : x]
        b = "%{ if true }x%{ endif }"
        c = local.l[*]
        d = local.l.*.name
        e = {for k, v in local.m : v => k... if k != ""}
        """);
    assertEquals(List.of(), errors());
    List<BodyItem> items = body.items();
    assertInstanceOf(Expr.For.class, ((Attribute) items.get(0)).value());
    assertInstanceOf(Expr.Template.class, ((Attribute) items.get(1)).value());
    assertInstanceOf(Expr.Splat.class, ((Attribute) items.get(2)).value());
    assertInstanceOf(Expr.Splat.class, ((Attribute) items.get(3)).value());
    Expr.For e = (Expr.For) ((Attribute) items.get(4)).value();
    assertEquals("k", e.keyVar());
    assertEquals("v", e.valueVar());
    assertTrue(e.group());
    assertInstanceOf(Expr.Binary.class, e.condition());
  }

  @Test
  void unclosedInterpolationAndHeredocAreReported() {
    parse(
        """
        a = "${local.x"
        b = <<EOF
        never closed
        """);
    assertEquals(
        List.of(
            "f.hcl:1:6: unclosed interpolation: expected '}' to close the '${' opened here",
            "f.hcl:2:5: unclosed heredoc: no line holding only the closing marker EOF"),
        errors());
  }

  @Test
  void interpolatedBlockLabelIsAnError() {
    Body body = parse("task \"${x}\" {\n}\n");
    assertEquals(
        List.of("f.hcl:1:6: a block label must be a plain string, without ${…} or %{…}"), errors());
    assertTrue(((Block) body.items().get(0)).damaged());
  }

  @Test
  void reportsEveryErrorOfAFileAndKeepsWhatItCouldRead() {
    Body body =
        parse(
            """
        task "a" {
          x = [1, 2
          good = 3
          bad bad bad
          also_good = 4
        }
        oops
        task "b" {}
        """);
    assertEquals(
        List.of(
            "f.hcl:3:3: expected ',' or ']' in the list opened at 2:7, found identifier good",
            "f.hcl:4:14: expected '{' to open block bad \"bad\" \"bad\", found end of line",
            "f.hcl:7:5: expected '=' or a block after \"oops\", found end of line"),
        errors());
    Block a = (Block) body.items().get(0);
    assertEquals(List.of("x", "good", "also_good"), names(a.body()));
    assertInstanceOf(Expr.Invalid.class, ((Attribute) a.body().items().get(0)).value());
    assertTrue(a.damaged(), "a skipped item damages its block");
    assertEquals(List.of("task", "task"), names(body));
    assertFalse(((Block) body.items().get(1)).damaged());
  }

  @Test
  void aForgottenClosingBracketDoesNotSwallowTheEnclosingBlock() {
    Body body =
        parse(
            """
        task "a" {
          env = { A = "1", B = ["x"
        }
        task "b" {}
        """);
    assertEquals(
        List.of("f.hcl:3:1: expected ',' or ']' in the list opened at 2:24, found '}'"), errors());
    assertEquals(List.of("task", "task"), names(body));
    assertFalse(((Block) body.items().get(0)).damaged());
  }
}
