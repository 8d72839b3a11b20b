package dev.fluke.hcl;

/**
 * One problem found in an HCL file: where it is and what was expected. The manifest and config
 * loaders turn these into their own error types ({@code ManifestError}).
 */
public record Diagnostic(SourcePos pos, String message) {
  /** {@code file:line:column: message}. */
  public String format() {
    return pos + ": " + message;
  }

  @Override
  public String toString() {
    return format();
  }
}
