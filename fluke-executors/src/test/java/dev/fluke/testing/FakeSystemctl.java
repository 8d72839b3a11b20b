package dev.fluke.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A stand-in {@code systemctl}: a bash script that keeps each unit's state in files in a temp dir
 * ({@code UNIT.active}, {@code UNIT.enabled}) and logs every call, one line of arguments each, so
 * tests can assert that only what differed was done. Supports {@code is-active} (prints
 * active/inactive, exit 0/3), {@code is-enabled} (enabled/disabled, exit 0/1; a unit marked with
 * {@link #setEnabledWord} prints that word), {@code start}, {@code stop}, {@code enable}, {@code
 * disable}. {@link #failVerb} makes one verb fail (exit 1); {@link #breakBus} makes every call
 * print "Failed to connect to bus" (exit 1), as on a host without systemd. {@link #groupRoles}
 * tells which calls led their own process group. Point {@code ExecSettings.systemctl} at {@link
 * #path()}.
 */
public final class FakeSystemctl {
  private final Path dir;
  private final Path script;

  private FakeSystemctl(Path dir) {
    this.dir = dir;
    this.script = dir.resolve("systemctl");
  }

  /** Writes the script and its state dir under {@code dir} (created). */
  public static FakeSystemctl create(Path dir) {
    FakeSystemctl f = new FakeSystemctl(dir.toAbsolutePath());
    try {
      Files.createDirectories(f.dir.resolve("state"));
      Files.writeString(
          f.script,
          """
          #!/usr/bin/env bash
          # stand-in for systemctl in Fluke tests: unit state lives in files
          state='%s'
          echo "$*" >> "$state/calls.log"
          if [ "$(cut -d' ' -f5 /proc/$$/stat)" = "$$" ]; then role=leader; else role=member; fi
          echo "$1 $role" >> "$state/groups.log"
          if [ -f "$state/no-bus" ]; then
            echo "Failed to connect to bus: No such file or directory" >&2
            exit 1
          fi
          verb="$1"; unit="$2"
          if [ -f "$state/fail-$verb" ]; then
            echo "Failed to $verb $unit: Unit $unit failed (stand-in told to fail)." >&2
            exit 1
          fi
          case "$verb" in
            is-active)
              if [ -f "$state/$unit.active" ]; then echo active; exit 0; else echo inactive; exit 3; fi ;;
            is-enabled)
              if [ -f "$state/$unit.word" ]; then cat "$state/$unit.word"; exit 0; fi
              if [ -f "$state/$unit.enabled" ]; then echo enabled; exit 0; else echo disabled; exit 1; fi ;;
            start) touch "$state/$unit.active" ;;
            stop) rm -f "$state/$unit.active" ;;
            enable)
              touch "$state/$unit.enabled"
              echo "Created symlink /etc/systemd/system/multi-user.target.wants/$unit → /etc/systemd/system/$unit." ;;
            disable)
              rm -f "$state/$unit.enabled"
              echo "Removed /etc/systemd/system/multi-user.target.wants/$unit." ;;
            *) echo "Unknown command verb $verb." >&2; exit 1 ;;
          esac
          """
              .formatted(f.dir.resolve("state")));
      Files.setPosixFilePermissions(f.script, PosixFilePermissions.fromString("rwxr-xr-x"));
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path path() {
    return script;
  }

  public FakeSystemctl setActive(String unit, boolean active) {
    return mark(unit + ".active", active);
  }

  public FakeSystemctl setEnabled(String unit, boolean enabled) {
    return mark(unit + ".enabled", enabled);
  }

  /** Makes {@code is-enabled UNIT} print this word (e.g. {@code static}) and exit 0. */
  public FakeSystemctl setEnabledWord(String unit, String word) {
    try {
      Files.writeString(dir.resolve("state").resolve(unit + ".word"), word + "\n");
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isActive(String unit) {
    return Files.exists(dir.resolve("state").resolve(unit + ".active"));
  }

  public boolean isEnabled(String unit) {
    return Files.exists(dir.resolve("state").resolve(unit + ".enabled"));
  }

  /** Makes {@code systemctl VERB …} fail with exit 1. */
  public FakeSystemctl failVerb(String verb) {
    return mark("fail-" + verb, true);
  }

  /** Makes every call fail as systemctl does on a host without a running systemd. */
  public FakeSystemctl breakBus() {
    return mark("no-bus", true);
  }

  /** Every call so far, as its argument line, e.g. {@code "is-active app.service"}. */
  public List<String> calls() {
    Path log = dir.resolve("state/calls.log");
    try {
      return Files.exists(log) ? Files.readAllLines(log) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every call so far as its verb and whether the stand-in led its own process group ({@code "start
   * leader"}) or ran in its caller's ({@code "is-active member"}).
   */
  public List<String> groupRoles() {
    Path log = dir.resolve("state/groups.log");
    try {
      return Files.exists(log) ? Files.readAllLines(log) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The calls that change something (anything but {@code is-active} / {@code is-enabled}). */
  public List<String> changes() {
    return calls().stream().filter(c -> !c.startsWith("is-")).toList();
  }

  private FakeSystemctl mark(String name, boolean present) {
    try {
      Path p = dir.resolve("state").resolve(name);
      if (present) {
        Files.writeString(p, "");
      } else {
        Files.deleteIfExists(p);
      }
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
