package dev.fluke.schema;

/** The type of an HCL attribute in a schema. */
public enum AttrType {
  STRING,
  BOOL,
  NUMBER,
  /** A map of string to string, e.g. {@code env = { A = "1" }}. */
  STRING_MAP,
  /** A list of strings. */
  STRING_LIST,
  /** A Go-style duration string: {@code "90s"}, {@code "5m"}, {@code "1h30m"}, {@code "168h"}. */
  DURATION
}
