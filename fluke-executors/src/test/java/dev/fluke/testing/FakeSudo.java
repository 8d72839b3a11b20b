package dev.fluke.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A stand-in {@code sudo} for tests of {@code run_as} on machines without sudo (or without other
 * users): a bash script that logs its arguments (one per line, a blank line after each call),
 * checks it was called as {@code sudo -n -H -u USER -- command…}, exports {@code
 * FAKE_SUDO_USER=USER} and runs the command as the current user. {@link #refuse()} makes it answer
 * like sudo without a password ({@code "sudo: a password is required"}, exit 1). Point {@code
 * ExecSettings.sudo} at {@link #path()}.
 */
public final class FakeSudo {
  private final Path dir;
  private final Path script;

  private FakeSudo(Path dir) {
    this.dir = dir;
    this.script = dir.resolve("sudo");
  }

  public static FakeSudo create(Path dir) {
    FakeSudo f = new FakeSudo(dir.toAbsolutePath());
    try {
      Files.createDirectories(f.dir);
      Files.writeString(
          f.script,
          """
          #!/usr/bin/env bash
          # stand-in for sudo in Fluke tests
          dir='%s'
          printf '%%s\\n' "$@" >> "$dir/sudo-calls.log"
          echo >> "$dir/sudo-calls.log"
          if [ -f "$dir/refuse" ]; then echo "sudo: a password is required" >&2; exit 1; fi
          if [ "$1" != "-n" ] || [ "$2" != "-H" ] || [ "$3" != "-u" ] || [ "$5" != "--" ]; then
            echo "sudo: stand-in called with unexpected arguments: $*" >&2; exit 1
          fi
          export FAKE_SUDO_USER="$4"
          shift 5
          exec "$@"
          """
              .formatted(f.dir));
      Files.setPosixFilePermissions(f.script, PosixFilePermissions.fromString("rwxr-xr-x"));
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path path() {
    return script;
  }

  /** From now on answer every call like sudo that needs a password. */
  public FakeSudo refuse() {
    try {
      Files.writeString(dir.resolve("refuse"), "");
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The argument lists of all calls so far. */
  public List<List<String>> calls() {
    Path log = dir.resolve("sudo-calls.log");
    try {
      if (!Files.exists(log)) {
        return List.of();
      }
      List<List<String>> calls = new java.util.ArrayList<>();
      List<String> current = new java.util.ArrayList<>();
      for (String line : Files.readAllLines(log)) {
        if (line.isEmpty()) {
          calls.add(List.copyOf(current));
          current.clear();
        } else {
          current.add(line);
        }
      }
      return calls;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
