package dev.fluke.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.fluke.exec.ExecSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Real tools for tests: the mise binary installed by {@code scripts/install-test-tools.sh}, an
 * environment in which mise touches nothing outside a temp dir, and executor settings built on
 * both. Tests that need mise fail (never skip) when it is missing, so a CI without it is red, not
 * silently green.
 */
public final class TestTools {
  private TestTools() {}

  /** The system property naming a mise binary to use instead of the installed one. */
  public static final String MISE_PROPERTY = "fluke.test.mise";

  /** The environment variable naming a mise binary to use instead of the installed one. */
  public static final String MISE_ENV = "FLUKE_TEST_MISE";

  /**
   * Path of a real mise: {@code -Dfluke.test.mise}, else {@code $FLUKE_TEST_MISE}, else {@code
   * <project root>/.tools/node_modules/.bin/mise}. Fails the test when none exists.
   */
  public static Path mise() {
    String configured = System.getProperty(MISE_PROPERTY);
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(MISE_ENV);
    }
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      if (!Files.isExecutable(p)) {
        fail(
            "mise configured by "
                + MISE_PROPERTY
                + "/"
                + MISE_ENV
                + " is not an executable file: "
                + p);
      }
      return p;
    }
    Path root = projectRoot();
    Path installed = root.resolve(".tools/node_modules/.bin/mise");
    if (!Files.isExecutable(installed)) {
      fail(
          "mise is not installed for tests: run scripts/install-test-tools.sh in "
              + root
              + " (expected "
              + installed
              + "), or point -D"
              + MISE_PROPERTY
              + " / $"
              + MISE_ENV
              + " at a mise binary");
    }
    return installed;
  }

  /**
   * The repository root: walking up from the working directory, the first directory holding {@code
   * .ci}, or else the top-most one holding a {@code pom.xml} with {@code <modules>} (the parent
   * pom).
   */
  public static Path projectRoot() {
    Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    Path parentPom = null;
    for (Path d = start; d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve(".ci"))) {
        return d;
      }
      Path pom = d.resolve("pom.xml");
      try {
        if (Files.isRegularFile(pom) && Files.readString(pom).contains("<modules>")) {
          parentPom = d;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (parentPom == null) {
      fail(
          "cannot find the project root (a directory with .ci or the parent pom.xml) above "
              + start);
    }
    return parentPom;
  }

  /**
   * An environment for mise that keeps it inside {@code tmp}: its own HOME and mise data, config,
   * cache and state dirs (created), config search stopped at {@code tmp}, offline, no prompts, no
   * colours. PATH is the test JVM's.
   */
  public static Map<String, String> isolatedMiseEnv(Path tmp) {
    Path base = tmp.toAbsolutePath().resolve("mise-env");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
    env.put("HOME", dir(base.resolve("home")));
    env.put("XDG_CONFIG_HOME", dir(base.resolve("home/.config")));
    env.put("XDG_DATA_HOME", dir(base.resolve("home/.local/share")));
    env.put("XDG_CACHE_HOME", dir(base.resolve("home/.cache")));
    env.put("XDG_STATE_HOME", dir(base.resolve("home/.local/state")));
    env.put("MISE_DATA_DIR", dir(base.resolve("data")));
    env.put("MISE_CONFIG_DIR", dir(base.resolve("config")));
    env.put("MISE_CACHE_DIR", dir(base.resolve("cache")));
    env.put("MISE_STATE_DIR", dir(base.resolve("state")));
    env.put("MISE_CEILING_PATHS", tmp.toAbsolutePath().toString());
    env.put("MISE_OFFLINE", "1");
    env.put("MISE_YES", "1");
    env.put("NO_COLOR", "1");
    env.put("LANG", "C.UTF-8");
    return Collections.unmodifiableMap(env);
  }

  /**
   * Executor settings for tests: {@code /bin/bash}, a 60 s command timeout, a 64 KiB output tail,
   * the isolated mise environment, the real mise, {@code systemctl}/{@code sudo} by name (point
   * them at the stand-ins with {@link #withSystemctl} / {@link #withSudo}), state in {@code
   * tmp/state}.
   */
  public static ExecSettings settings(Path tmp) {
    return new ExecSettings(
        "/bin/bash",
        Duration.ofSeconds(60),
        64 * 1024,
        isolatedMiseEnv(tmp),
        "systemctl",
        mise().toString(),
        "sudo",
        Path.of(dir(tmp.toAbsolutePath().resolve("state"))));
  }

  /** Settings without mise, for tests that never run it (no install needed). */
  public static ExecSettings settingsWithoutMise(Path tmp) {
    return new ExecSettings(
        "/bin/bash",
        Duration.ofSeconds(60),
        64 * 1024,
        isolatedMiseEnv(tmp),
        "systemctl",
        "mise",
        "sudo",
        Path.of(dir(tmp.toAbsolutePath().resolve("state"))));
  }

  public static ExecSettings withSystemctl(ExecSettings s, Path systemctl) {
    return new ExecSettings(
        s.defaultShell(),
        s.commandTimeout(),
        s.outputTailBytes(),
        s.env(),
        systemctl.toString(),
        s.mise(),
        s.sudo(),
        s.stateDir());
  }

  public static ExecSettings withSudo(ExecSettings s, Path sudo) {
    return new ExecSettings(
        s.defaultShell(),
        s.commandTimeout(),
        s.outputTailBytes(),
        s.env(),
        s.systemctl(),
        s.mise(),
        sudo.toString(),
        s.stateDir());
  }

  public static ExecSettings withTailBytes(ExecSettings s, int tailBytes) {
    return new ExecSettings(
        s.defaultShell(),
        s.commandTimeout(),
        tailBytes,
        s.env(),
        s.systemctl(),
        s.mise(),
        s.sudo(),
        s.stateDir());
  }

  private static String dir(Path p) {
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.toString();
  }
}
