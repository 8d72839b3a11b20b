package dev.fluke.manifest;

/** One problem found in a manifest set or config file: where it is and what was expected. */
public record ManifestError(SourcePos pos, String message) {
  /** {@code file:line:column: message}, the form printed by the CLI, API and logs. */
  public String format() {
    return pos + ": " + message;
  }

  @Override
  public String toString() {
    return format();
  }
}
