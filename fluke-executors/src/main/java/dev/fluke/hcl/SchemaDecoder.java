package dev.fluke.hcl;

import dev.fluke.hcl.Body.Attribute;
import dev.fluke.hcl.Body.Block;
import dev.fluke.hcl.Body.BodyItem;
import dev.fluke.schema.Attr;
import dev.fluke.schema.BlockSchema;
import dev.fluke.schema.Schema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a block body against a {@link Schema} and converts it to a {@link Decoded}: unknown names
 * (listing the expected ones), duplicates, missing required attributes and blocks, wrong label
 * counts, wrong types, bad enum values and bad durations are each reported with their position, and
 * checking goes on, so every problem of a body is found in one pass.
 *
 * <p>Typing is strict: a string attribute takes a string, a bool takes {@code true}/{@code false},
 * a number takes a number; there is no implicit conversion between them (use {@code tostring()} and
 * friends). {@code null} means "not set": the default applies (or a required attribute is missing).
 */
public final class SchemaDecoder {
  /** The {@code where} of a whole file's body; blocks in it are named on their own. */
  public static final String TOP_LEVEL = "the file";

  private final Evaluator evaluator;
  private final Diagnostics diags;

  public SchemaDecoder(Evaluator evaluator, Diagnostics diags) {
    this.evaluator = evaluator;
    this.diags = diags;
  }

  /**
   * Decodes a block's body; labels must already be checked by the caller.
   *
   * @param parent how the enclosing block is named in messages ({@code task "deploy"}), or null
   */
  public Decoded decode(Block block, Schema schema, String parent) {
    String where = parent == null ? block.describe() : block.describe() + " in " + parent;
    return decode(block.body().items(), block.pos(), schema, where, labelsOf(block), List.of());
  }

  /**
   * Decodes body items.
   *
   * @param pos where missing required attributes are reported (the block's position)
   * @param where how the block is named in messages
   * @param alsoExpected names the caller handles itself (filtered out of {@code items} beforehand),
   *     listed among the expected blocks in "unknown" messages
   */
  public Decoded decode(
      List<BodyItem> items,
      SourcePos pos,
      Schema schema,
      String where,
      List<String> labels,
      List<String> alsoExpected) {
    Map<String, Object> found = new HashMap<>();
    Map<String, SourcePos> positions = new HashMap<>();
    Map<String, SourcePos> seen = new HashMap<>();
    for (BodyItem item : items) {
      if (item instanceof Attribute a) {
        decodeAttribute(a, schema, where, alsoExpected, found, positions, seen);
      } else if (item instanceof Block b) {
        decodeBlock(b, schema, where, alsoExpected, found, positions, seen);
      }
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (Attr attr : schema.attributes()) {
      if (found.containsKey(attr.name())) {
        Object v = found.get(attr.name());
        if (v != null && v != Values.INVALID) {
          values.put(attr.name(), v);
        }
      } else if (attr.required()) {
        if (!seen.containsKey(attr.name())) {
          diags.error(
              pos,
              "missing required attribute \"" + attr.name() + "\" in " + where + describeDoc(attr));
        }
      } else if (attr.defaultValue() != null) {
        values.put(attr.name(), attr.defaultValue());
      }
    }
    for (BlockSchema bs : schema.blocks()) {
      if (found.containsKey(bs.name())) {
        values.put(bs.name(), found.get(bs.name()));
      } else if (bs.required() && !seen.containsKey(bs.name())) {
        diags.error(
            pos,
            "missing required block \""
                + bs.name()
                + "\" in "
                + where
                + ": add "
                + bs.name()
                + " { … }");
      }
    }
    positions.keySet().retainAll(values.keySet());
    return new Decoded(where, labels, values, positions, seen.keySet(), pos);
  }

  private static String describeDoc(Attr attr) {
    return attr.doc() == null || attr.doc().isBlank() ? "" : " (" + attr.doc() + ")";
  }

  private static List<String> labelsOf(Block b) {
    return b.labels().stream().map(Body.Label::value).toList();
  }

  private void decodeAttribute(
      Attribute a,
      Schema schema,
      String where,
      List<String> alsoExpected,
      Map<String, Object> found,
      Map<String, SourcePos> positions,
      Map<String, SourcePos> seen) {
    Attr attr = schema.attribute(a.name()).orElse(null);
    if (attr == null) {
      if (schema.block(a.name()).isPresent() || alsoExpected.contains(a.name())) {
        diags.error(
            a.pos(),
            "\""
                + a.name()
                + "\" in "
                + where
                + " is a block, not an attribute: write "
                + a.name()
                + " { … }");
      } else {
        diags.error(
            a.pos(),
            "unknown attribute \""
                + a.name()
                + "\" in "
                + where
                + Names.suggest(a.name(), allNames(schema, alsoExpected))
                + "; "
                + expected(schema, alsoExpected));
      }
      return;
    }
    SourcePos first = seen.putIfAbsent(a.name(), a.pos());
    if (first != null) {
      diags.error(
          a.pos(),
          "duplicate attribute \"" + a.name() + "\" in " + where + ": already set at " + first);
      return;
    }
    Object v = evaluator.evaluate(a.value());
    if (v == Values.INVALID) {
      found.put(a.name(), v);
      return;
    }
    if (v == null) {
      if (attr.required()) {
        diags.error(
            a.value().pos(),
            "attribute \"" + a.name() + "\" in " + where + " is required and must not be null");
        found.put(a.name(), Values.INVALID);
      }
      return;
    }
    Object converted = convert(attr, v, a.value(), where);
    found.put(a.name(), converted);
    positions.put(a.name(), a.value().pos());
  }

  private void decodeBlock(
      Block b,
      Schema schema,
      String where,
      List<String> alsoExpected,
      Map<String, Object> found,
      Map<String, SourcePos> positions,
      Map<String, SourcePos> seen) {
    BlockSchema bs = schema.block(b.type()).orElse(null);
    if (bs == null) {
      if (schema.attribute(b.type()).isPresent()) {
        diags.error(
            b.pos(),
            "\""
                + b.type()
                + "\" in "
                + where
                + " is an attribute, not a block: write "
                + b.type()
                + " = …");
      } else {
        diags.error(
            b.pos(),
            "unknown block \""
                + b.type()
                + "\" in "
                + where
                + Names.suggest(b.type(), allNames(schema, alsoExpected))
                + "; "
                + expected(schema, alsoExpected));
      }
      return;
    }
    if (b.labels().size() != bs.labels()) {
      diags.error(b.pos(), labelMessage(b, bs.labels()));
      seen.putIfAbsent(b.type(), b.pos());
      return;
    }
    SourcePos first = seen.putIfAbsent(b.type(), b.pos());
    if (first != null && !bs.repeatable()) {
      diags.error(
          b.pos(),
          "duplicate block \""
              + b.type()
              + "\" in "
              + where
              + ": only one is allowed, the first is at "
              + first);
      return;
    }
    if (b.damaged()) {
      // Its syntax errors are reported; checking what survived would only add follow-on errors.
      return;
    }
    Decoded d = decode(b, bs.schema(), TOP_LEVEL.equals(where) ? null : where);
    if (bs.repeatable()) {
      @SuppressWarnings("unchecked")
      List<Decoded> list =
          (List<Decoded>) found.computeIfAbsent(b.type(), k -> new ArrayList<Decoded>());
      list.add(d);
    } else {
      found.put(b.type(), d);
      positions.put(b.type(), b.pos());
    }
  }

  /** The message for a block with the wrong number of labels. */
  public static String labelMessage(Block b, int expected) {
    if (expected == 0) {
      return "block " + b.describe() + " takes no labels: write " + b.type() + " { … }";
    }
    String example = b.type() + " \"name\" { … }";
    return "block \""
        + b.type()
        + "\" needs exactly "
        + expected
        + (expected == 1 ? " label" : " labels")
        + ", got "
        + b.labels().size()
        + ": write "
        + example;
  }

  private static List<String> allNames(Schema schema, List<String> alsoExpected) {
    List<String> names = new ArrayList<>();
    schema.attributes().forEach(a -> names.add(a.name()));
    schema.blocks().forEach(b -> names.add(b.name()));
    names.addAll(alsoExpected);
    return names;
  }

  private static String expected(Schema schema, List<String> alsoExpected) {
    List<String> attrs = schema.attributes().stream().map(Attr::name).toList();
    List<String> blocks = new ArrayList<>(schema.blocks().stream().map(BlockSchema::name).toList());
    blocks.addAll(alsoExpected);
    if (blocks.isEmpty()) {
      return "expected one of: " + Names.list(attrs);
    }
    if (attrs.isEmpty()) {
      return "expected a block: " + Names.list(blocks);
    }
    return "expected an attribute ("
        + String.join(", ", attrs)
        + ") or a block ("
        + String.join(", ", blocks)
        + ")";
  }

  // ---- types

  private Object convert(Attr attr, Object v, Expr expr, String where) {
    SourcePos pos = expr.pos();
    String name = "\"" + attr.name() + "\" in " + where;
    switch (attr.type()) {
      case STRING:
        if (!(v instanceof String s)) {
          return wrongType(pos, name, "a string", v);
        }
        if (!attr.allowed().isEmpty() && !attr.allowed().contains(s)) {
          diags.error(
              pos,
              "bad value \""
                  + s
                  + "\" for "
                  + name
                  + Names.suggest(s, attr.allowed())
                  + ": expected one of "
                  + quoted(attr.allowed()));
          return Values.INVALID;
        }
        return s;
      case BOOL:
        if (v.equals("true") || v.equals("false")) {
          diags.error(
              pos,
              name
                  + " must be a bool, got the string \""
                  + v
                  + "\" (write "
                  + v
                  + " without quotes)");
          return Values.INVALID;
        }
        return v instanceof Boolean ? v : wrongType(pos, name, "a bool (true or false)", v);
      case NUMBER:
        if (v instanceof String s && s.matches("-?\\d+(\\.\\d+)?")) {
          diags.error(
              pos,
              name
                  + " must be a number, got the string \""
                  + s
                  + "\" (write "
                  + s
                  + " without quotes)");
          return Values.INVALID;
        }
        return Values.isNumber(v) ? v : wrongType(pos, name, "a number", v);
      case DURATION:
        if (Values.isNumber(v)) {
          diags.error(
              pos,
              name
                  + " must be "
                  + Durations.EXPECTED
                  + ", got number (a duration is a string with a unit)");
          return Values.INVALID;
        }
        if (!(v instanceof String s)) {
          return wrongType(pos, name, Durations.EXPECTED, v);
        }
        try {
          Durations.parse(s);
          return s;
        } catch (IllegalArgumentException e) {
          diags.error(pos, "bad duration for " + name + ": " + e.getMessage());
          return Values.INVALID;
        }
      case STRING_MAP:
        {
          if (!(v instanceof Map<?, ?> m)) {
            return wrongType(pos, name, "a map of strings, e.g. { KEY = \"value\" }", v);
          }
          Map<String, String> out = new LinkedHashMap<>();
          boolean ok = true;
          for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getValue() instanceof String s) {
              out.put((String) e.getKey(), s);
            } else {
              diags.error(
                  positionOfKey(expr, (String) e.getKey()),
                  "\""
                      + attr.name()
                      + "."
                      + e.getKey()
                      + "\" in "
                      + where
                      + " must be a string, got "
                      + Values.typeName(e.getValue())
                      + quoteHint(e.getValue()));
              ok = false;
            }
          }
          return ok ? Collections.unmodifiableMap(out) : Values.INVALID;
        }
      case STRING_LIST:
        {
          if (!(v instanceof List<?> l)) {
            return wrongType(pos, name, "a list of strings, e.g. [\"a\", \"b\"]", v);
          }
          List<String> out = new ArrayList<>();
          for (int i = 0; i < l.size(); i++) {
            if (l.get(i) instanceof String s) {
              out.add(s);
            } else {
              diags.error(
                  positionOfElement(expr, i),
                  "element "
                      + i
                      + " of "
                      + name
                      + " must be a string, got "
                      + Values.typeName(l.get(i))
                      + quoteHint(l.get(i)));
              return Values.INVALID;
            }
          }
          return List.copyOf(out);
        }
      default:
        throw new IllegalStateException("unhandled attribute type " + attr.type());
    }
  }

  /**
   * Where a map literal sets {@code key}; the whole expression's position when it is not a literal.
   */
  private static SourcePos positionOfKey(Expr expr, String key) {
    if (expr instanceof Expr.ObjectCons o) {
      for (Expr.ObjectItem item : o.items()) {
        if (item.key() instanceof Expr.Literal lit && key.equals(lit.value())) {
          return item.value().pos();
        }
      }
    }
    return expr.pos();
  }

  private static SourcePos positionOfElement(Expr expr, int i) {
    if (expr instanceof Expr.Tuple t && i < t.items().size()) {
      return t.items().get(i).pos();
    }
    return expr.pos();
  }

  private Object wrongType(SourcePos pos, String name, String expected, Object v) {
    diags.error(pos, name + " must be " + expected + ", got " + Values.typeName(v) + quoteHint(v));
    return Values.INVALID;
  }

  /** Suggests the quoted form when a number or bool was written where a string belongs. */
  private static String quoteHint(Object v) {
    String s = v instanceof String ? null : Values.primitiveToString(v);
    return s == null ? "" : " (for the string, write \"" + s + "\")";
  }

  private static String quoted(List<String> values) {
    List<String> q = values.stream().map(s -> "\"" + s + "\"").toList();
    return String.join(", ", q);
  }
}
