package dev.fluke.hcl;

/** A position in a manifest or config file, 1-based; prints as {@code file:line:column}. */
public record SourcePos(String file, int line, int column) {
  public static final SourcePos UNKNOWN = new SourcePos("<unknown>", 0, 0);

  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }
}
