package dev.fluke.manifest;

import java.nio.file.Path;

/**
 * Turns a directory of manifests into a {@link ManifestSet}: every file under {@code root} matching
 * {@code glob} (relative paths, e.g. {@code **}{@code /*.fluke.hcl}), merged in path order. File
 * names in errors and positions are relative to {@code root}. Never throws for bad content:
 * problems are errors in the result; an unreadable directory is one error too.
 */
public interface ManifestLoader {
  ManifestSet load(Path root, String glob);
}
