package dev.fluke.app.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/**
 * The version and Git commit this binary was built from, read from {@code version.properties},
 * which the Maven build fills in (see fluke-app/pom.xml). A build outside a Git checkout has no
 * commit: it shows as {@code unknown}.
 *
 * @param commit the full commit id, or {@code unknown}
 * @param dirty true when the checkout had uncommitted changes to tracked files at build time
 */
public record VersionInfo(String version, String commit, boolean dirty) {
  public static final String UNKNOWN = "unknown";
  private static final String RESOURCE = "version.properties";

  /** The version of the running binary. */
  public static VersionInfo current() {
    Properties p = new Properties();
    try (InputStream in = VersionInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return of(p);
  }

  static VersionInfo of(Properties p) {
    String commit = filled(p.getProperty("commit"));
    return new VersionInfo(
        filled(p.getProperty("version")),
        commit,
        !commit.equals(UNKNOWN) && "true".equals(p.getProperty("dirty")));
  }

  /**
   * Blank or never substituted ({@code ${...}}, e.g. when run from an IDE without Maven) means
   * unknown.
   */
  private static String filled(String value) {
    return value == null || value.isBlank() || value.contains("${") ? UNKNOWN : value.trim();
  }

  /** {@code 4a04fb5}, {@code 4a04fb5-dirty} or {@code unknown}. */
  public String shortCommit() {
    if (commit.equals(UNKNOWN)) {
      return UNKNOWN;
    }
    String shortId = commit.length() > 7 ? commit.substring(0, 7) : commit;
    return dirty ? shortId + "-dirty" : shortId;
  }

  /** {@code fluke 0.1.0 (commit 4a04fb5)}: the one-line form for {@code --version} and logs. */
  public String oneLine() {
    return "fluke " + version + " (commit " + shortCommit() + ")";
  }

  /** Feeds picocli's {@code --version}. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {current().oneLine()};
    }
  }
}
