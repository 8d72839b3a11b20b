package dev.fluke.hcl;

import java.util.List;

/** An HCL expression with the position where it starts. Evaluated by {@link Evaluator}. */
public sealed interface Expr {
  SourcePos pos();

  /** A string, number ({@link Long} or {@link Double}), boolean or null. */
  record Literal(Object value, SourcePos pos) implements Expr {}

  /** A quoted string or heredoc: literal parts and interpolated expressions, always a string. */
  record Template(List<Expr> parts, SourcePos pos) implements Expr {
    public Template {
      parts = List.copyOf(parts);
    }
  }

  /** {@code [a, b, c]}. */
  record Tuple(List<Expr> items, SourcePos pos) implements Expr {
    public Tuple {
      items = List.copyOf(items);
    }
  }

  /** {@code { key = value, … }}; a bare identifier key is the literal string. */
  record ObjectCons(List<ObjectItem> items, SourcePos pos) implements Expr {
    public ObjectCons {
      items = List.copyOf(items);
    }
  }

  record ObjectItem(Expr key, Expr value) {}

  /** A bare name such as {@code local}; only {@code local.NAME} is defined. */
  record Variable(String name, SourcePos pos) implements Expr {}

  /** {@code source.name}. */
  record GetAttr(Expr source, String name, SourcePos pos) implements Expr {}

  /** {@code source[key]}. */
  record Index(Expr source, Expr key, SourcePos pos) implements Expr {}

  /** {@code name(args…)}; {@code expandFinal} for {@code name(a, list...)}. */
  record Call(String name, List<Expr> args, boolean expandFinal, SourcePos pos) implements Expr {
    public Call {
      args = List.copyOf(args);
    }
  }

  /** {@code condition ? whenTrue : whenFalse}. */
  record Conditional(Expr condition, Expr whenTrue, Expr whenFalse, SourcePos pos)
      implements Expr {}

  /** {@code left op right}; {@code pos} is the operator's position. */
  record Binary(String op, Expr left, Expr right, SourcePos pos) implements Expr {}

  /** {@code !operand} or {@code -operand}. */
  record Unary(String op, Expr operand, SourcePos pos) implements Expr {}

  /**
   * {@code [for k, v in collection : value if condition]} or {@code {for k, v in collection : key
   * => value... if condition}}.
   *
   * @param keyVar null when only the value is named ({@code for v in …})
   * @param key null for a list ({@code [for …]}), the key expression for a map ({@code {for …}})
   * @param condition null without {@code if}
   * @param group {@code ...} after the value: the values of each key are collected into a list
   */
  record For(
      String keyVar,
      String valueVar,
      Expr collection,
      Expr key,
      Expr value,
      Expr condition,
      boolean group,
      SourcePos pos)
      implements Expr {}

  /**
   * {@code source[*].rest} or {@code source.*.rest}: {@code each} (written in terms of {@code
   * item}) evaluated for every element of the list {@code source}; a value that is not a list
   * counts as a list of itself, null as the empty list.
   */
  record Splat(Expr source, SplatItem item, Expr each, SourcePos pos) implements Expr {}

  /** The current element inside a {@link Splat}'s {@code each}. */
  record SplatItem(SourcePos pos) implements Expr {}

  /**
   * {@code %{ for v in collection }…%{ endfor }} in a template: the strings {@code loop} (a list
   * {@link For} whose value is the body template) produces, joined.
   */
  record TemplateJoin(For loop, SourcePos pos) implements Expr {}

  /**
   * Stands for an expression that failed to parse (already reported): it evaluates to {@link
   * Values#INVALID} silently, so the attribute still counts as present and nothing cascades.
   */
  record Invalid(SourcePos pos) implements Expr {}
}
