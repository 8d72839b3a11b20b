package dev.fluke.hcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.hcl.Body.Block;
import dev.fluke.schema.Attr;
import dev.fluke.schema.AttrType;
import dev.fluke.schema.BlockSchema;
import dev.fluke.schema.Schema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaDecoderTest {
  /** A schema using every attribute type, a nested block and a repeatable labelled block. */
  private static final Schema SERVICE =
      Schema.of(
              Attr.required("unit", AttrType.STRING, "unit name"),
              Attr.oneOf("state", "running", List.of("running", "stopped"), "desired state"),
              Attr.optional("enabled", AttrType.BOOL, Boolean.TRUE, "enablement"),
              Attr.optional("retries", AttrType.NUMBER, 3L, "how often"),
              Attr.optional("timeout", AttrType.DURATION, "30s", "how long"),
              Attr.optional("env", AttrType.STRING_MAP, Map.of(), "environment"),
              Attr.optional("args", AttrType.STRING_LIST, null, "arguments"),
              Attr.optional("note", AttrType.STRING, null, "free text"))
          .withBlocks(
              BlockSchema.optional(
                  "git",
                  Schema.of(
                      Attr.required("url", AttrType.STRING, "repository"),
                      Attr.optional("branch", AttrType.STRING, "main", "branch"))),
              new BlockSchema(
                  "port",
                  1,
                  false,
                  true,
                  Schema.of(Attr.required("number", AttrType.NUMBER, "port"))));

  private final Diagnostics diags = new Diagnostics();

  private Decoded decode(String text) {
    Body body = HclParser.parse("f.hcl", text, diags);
    Block block = (Block) body.items().get(0);
    Evaluator evaluator = new Evaluator(HclFunctions.standard(), diags);
    return new SchemaDecoder(evaluator, diags).decode(block, SERVICE, null);
  }

  private List<String> errors() {
    return diags.sorted(List.of("f.hcl")).stream().map(Diagnostic::format).toList();
  }

  @Test
  void fillsInDefaultsInSchemaOrder() {
    Decoded d =
        decode(
            """
        service "app" {
          note = "n"
          unit = "app.service"
        }
        """);
    assertEquals(List.of(), errors());
    assertEquals(
        List.of("unit", "state", "enabled", "retries", "timeout", "env", "note"),
        List.copyOf(d.values().keySet()));
    assertEquals("running", d.string("state"));
    assertEquals(true, d.get("enabled"));
    assertEquals(3L, d.get("retries"));
    assertEquals("30s", d.get("timeout"));
    assertEquals(Map.of(), d.get("env"));
    assertFalse(d.values().containsKey("args"), "no default: stays absent");
    assertTrue(d.isSet("unit"));
    assertFalse(d.isSet("state"));
    assertEquals(new SourcePos("f.hcl", 3, 10), d.posOf("unit"));
    assertEquals(
        new SourcePos("f.hcl", 1, 1), d.posOf("state"), "a default is placed at its block");
  }

  @Test
  void convertsEveryTypeToPlainValues() {
    Decoded d =
        decode(
            """
        service "app" {
          unit    = "app.service"
          state   = "stopped"
          enabled = false
          retries = 5
          timeout = "1h30m"
          env     = { A = "1", B = "two" }
          args    = ["--x", "y"]
          git { url = "https://example.org/r.git" }
          port "http" { number = 80 }
          port "https" { number = 443 }
        }
        """);
    assertEquals(List.of(), errors());
    assertEquals(false, d.get("enabled"));
    assertEquals(5L, d.get("retries"));
    assertEquals("1h30m", d.get("timeout"));
    assertEquals(List.of("A", "B"), List.copyOf(d.stringMap("env").keySet()));
    assertEquals(List.of("--x", "y"), d.stringList("args"));
    assertEquals(
        Map.of("url", "https://example.org/r.git", "branch", "main"), d.block("git").toPlain());
    Map<String, Object> plain = d.toPlain();
    assertEquals(List.of(Map.of("number", 80L), Map.of("number", 443L)), plain.get("port"));
  }

  @Test
  void nullMeansNotSet() {
    Decoded d =
        decode(
            """
        service "app" {
          unit  = "u"
          state = null
        }
        """);
    assertEquals(List.of(), errors());
    assertEquals("running", d.string("state"));
  }

  @Test
  void reportsEveryProblemOfABodyWithItsPosition() {
    decode(
        """
        service "app" {
          state   = "runing"
          enabled = "true"
          retries = "3"
          timeout = 90
          env     = { PORT = 8080, NAME = "x" }
          args    = ["a", true]
          colour  = "red"
          unit { }
          git = "x"
          git { branch = "dev" }
          git { url = "y" }
          port { number = 1 }
          state   = "stopped"
        }
        """);
    assertEquals(
        List.of(
            "f.hcl:1:1: missing required attribute \"unit\" in service \"app\" (unit name)",
            "f.hcl:2:13: bad value \"runing\" for \"state\" in service \"app\" (did you mean \"running\"?):"
                + " expected one of \"running\", \"stopped\"",
            "f.hcl:3:13: \"enabled\" in service \"app\" must be a bool, got the string \"true\" (write true without quotes)",
            "f.hcl:4:13: \"retries\" in service \"app\" must be a number, got the string \"3\" (write 3 without quotes)",
            "f.hcl:5:13: \"timeout\" in service \"app\" must be a duration such as \"90s\", \"5m\", \"1h30m\" or \"500ms\","
                + " got number (a duration is a string with a unit)",
            "f.hcl:6:22: \"env.PORT\" in service \"app\" must be a string, got number (for the string, write \"8080\")",
            "f.hcl:7:19: element 1 of \"args\" in service \"app\" must be a string, got bool (for the string, write \"true\")",
            "f.hcl:8:3: unknown attribute \"colour\" in service \"app\"; expected an attribute (unit, state, enabled,"
                + " retries, timeout, env, args, note) or a block (git, port)",
            "f.hcl:9:3: \"unit\" in service \"app\" is an attribute, not a block: write unit = …",
            "f.hcl:10:3: \"git\" in service \"app\" is a block, not an attribute: write git { … }",
            "f.hcl:11:3: missing required attribute \"url\" in git in service \"app\" (repository)",
            "f.hcl:12:3: duplicate block \"git\" in service \"app\": only one is allowed, the first is at f.hcl:11:3",
            "f.hcl:13:3: block \"port\" needs exactly 1 label, got 0: write port \"name\" { … }",
            "f.hcl:14:3: duplicate attribute \"state\" in service \"app\": already set at f.hcl:2:3"),
        errors());
  }

  @Test
  void aDamagedNestedBlockIsNotCheckedAgain() {
    Decoded d =
        decode(
            """
        service "app" {
          unit = "u"
          git {
            this is not hcl
          }
        }
        """);
    assertEquals(
        List.of(
            "f.hcl:4:20: expected '{' to open block this \"is\" \"not\" \"hcl\", found end of line"),
        errors());
    assertNull(d.block("git"));
  }
}
