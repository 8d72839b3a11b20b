package dev.fluke.schema;

/**
 * A nested block allowed inside a schema.
 *
 * @param labels how many labels the block takes ({@code git {}} has 0, {@code task "x" {}} has 1)
 * @param required the block must appear
 * @param repeatable the block may appear more than once
 */
public record BlockSchema(
    String name, int labels, boolean required, boolean repeatable, Schema schema) {
  public static BlockSchema optional(String name, Schema schema) {
    return new BlockSchema(name, 0, false, false, schema);
  }
}
