package dev.fluke.schema;

import java.util.List;
import java.util.Optional;

/**
 * The shape of an HCL block body: its attributes and nested blocks. Executors declare theirs, the
 * manifest and config parsers validate against them, and unknown names are errors.
 */
public record Schema(List<Attr> attributes, List<BlockSchema> blocks) {
  public Schema {
    attributes = List.copyOf(attributes);
    blocks = List.copyOf(blocks);
  }

  public static Schema of(Attr... attributes) {
    return new Schema(List.of(attributes), List.of());
  }

  public Schema withBlocks(BlockSchema... more) {
    return new Schema(attributes, List.of(more));
  }

  public Optional<Attr> attribute(String name) {
    return attributes.stream().filter(a -> a.name().equals(name)).findFirst();
  }

  public Optional<BlockSchema> block(String name) {
    return blocks.stream().filter(b -> b.name().equals(name)).findFirst();
  }
}
