package dev.fluke.manifest;

import dev.fluke.hcl.Diagnostic;
import dev.fluke.hcl.SourcePos;
import java.util.List;

/** One problem found in a manifest set or config file: where it is and what was expected. */
public record ManifestError(SourcePos pos, String message) {
  /** {@code file:line:column: message}, the form printed by the CLI, API and logs. */
  public String format() {
    return pos + ": " + message;
  }

  /** The errors the HCL reader reported, in their order. */
  public static List<ManifestError> all(List<Diagnostic> diagnostics) {
    return diagnostics.stream().map(d -> new ManifestError(d.pos(), d.message())).toList();
  }

  @Override
  public String toString() {
    return format();
  }
}
