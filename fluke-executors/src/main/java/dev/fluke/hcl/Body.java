package dev.fluke.hcl;

import java.util.List;

/**
 * The contents of a file or of a block: attributes and nested blocks in declaration order.
 *
 * @param pos where the body starts (the file start, or the block's opening brace)
 */
public record Body(List<BodyItem> items, SourcePos pos) {
  public Body {
    items = List.copyOf(items);
  }

  /** A body item: an {@link Attribute} or a {@link Block}. */
  public sealed interface BodyItem permits Attribute, Block {
    String name();

    SourcePos pos();
  }

  /**
   * {@code name = expression}.
   *
   * @param pos position of the name
   */
  public record Attribute(String name, Expr value, SourcePos pos) implements BodyItem {}

  /**
   * {@code type "label" … { body }}.
   *
   * @param pos position of the block type keyword
   * @param damaged the block could not be parsed completely (it is unclosed, or an item in it was
   *     skipped after a syntax error, already reported): checking its contents against a schema
   *     would only report follow-on errors, so validators skip it
   */
  public record Block(String type, List<Label> labels, Body body, SourcePos pos, boolean damaged)
      implements BodyItem {
    public Block {
      labels = List.copyOf(labels);
    }

    @Override
    public String name() {
      return type;
    }

    /** {@code type "label"}, as shown in messages. */
    public String describe() {
      StringBuilder sb = new StringBuilder(type);
      for (Label l : labels) {
        sb.append(" \"").append(l.value()).append('"');
      }
      return sb.toString();
    }
  }

  /** A block label with its position. */
  public record Label(String value, SourcePos pos) {}
}
