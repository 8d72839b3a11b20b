package dev.fluke.server;

import dev.fluke.git.GitSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What the {@link GitWatcher} keeps on disk under {@code <data-dir>/git}. Plain blocking file I/O:
 * called on the blocking dispatcher only.
 *
 * <ul>
 *   <li>{@code repos/<name>-<hash>/}: one clone per repository URL (credentials, a trailing slash
 *       and {@code .git} aside), so a changed URL gets a clone of its own instead of meeting the
 *       old one. They are caches: a broken one is deleted and cloned again, and clones of other
 *       URLs are deleted once the configured URL has loaded a good commit.
 *   <li>{@code last-good/}: the manifest files of the last commit that loaded without errors, and
 *       {@code snapshot.properties} saying which commit of which repository they are. The server
 *       loads them at start, so a restart (or a new URL that cannot be fetched yet) never leaves it
 *       with less than the last good desired state. Replaced whole, by renaming.
 *   <li>{@code plan/cache/<name>-<hash>/}: a bare repository per URL holding what plans fetched;
 *       {@code plan/work/ref-*}: the manifest files of a ref while a plan loads them (deleted
 *       after).
 * </ul>
 */
final class ManifestStore {

  /** The manifests of the last good commit as kept on disk; {@code root} holds the files. */
  record Snapshot(
      String commit, String repository, String branch, String glob, Instant loadedAt, Path root) {}

  private static final String SNAPSHOT = "last-good";
  private static final String PROPERTIES = "snapshot.properties";
  private static final String FILES = "files";

  private final Path base;

  ManifestStore(Path dataDir) {
    this.base = dataDir.resolve("git");
  }

  Path reposDir() {
    return base.resolve("repos");
  }

  /**
   * The clone of {@code source}'s repository: {@code repos/<readable name>-<12 hex of SHA-256>}.
   */
  Path checkoutFor(GitSource source) {
    String id = source.normalizedUrl();
    String readable =
        id.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "")
            .replaceFirst("^[^@/]*@", "")
            .replaceAll("[^A-Za-z0-9._-]+", "-")
            .replaceAll("^[-.]+|[-.]+$", "")
            .toLowerCase(Locale.ROOT);
    if (readable.length() > 48) {
      readable = readable.substring(readable.length() - 48).replaceAll("^[-.]+", "");
    }
    String hash = sha256(id).substring(0, 12);
    return reposDir().resolve(readable.isEmpty() ? hash : readable + "-" + hash);
  }

  /**
   * Where plans ({@code fluke plan}) keep the objects they fetch of {@code source}'s repository: a
   * bare repository of its own under {@code plan/cache/}, never the clone in force.
   */
  Path planCacheFor(GitSource source) {
    return base.resolve("plan").resolve("cache").resolve(checkoutFor(source).getFileName());
  }

  /** A new empty directory under {@code plan/work/} for one plan's manifest files. */
  Path newPlanDir() throws IOException {
    Path work = base.resolve("plan").resolve("work");
    Files.createDirectories(work);
    return Files.createTempDirectory(work, "ref-");
  }

  /** Deletes one plan's manifest files. */
  void discardPlanDir(Path dir) throws IOException {
    deleteTree(dir);
  }

  /** Deletes a clone that cannot be updated, so the next sync clones afresh. */
  void discard(Path checkout) throws IOException {
    deleteTree(checkout);
  }

  /**
   * Deletes every clone under {@code repos/} but {@code keep}.
   *
   * @return the names of the clones deleted
   */
  List<String> pruneOtherCheckouts(Path keep) throws IOException {
    List<String> deleted = new ArrayList<>();
    if (!Files.isDirectory(reposDir())) {
      return deleted;
    }
    try (Stream<Path> dirs = Files.list(reposDir())) {
      for (Path d : dirs.toList()) {
        if (!d.equals(keep)) {
          deleteTree(d);
          deleted.add(d.getFileName().toString());
        }
      }
    }
    return deleted;
  }

  /**
   * Keeps {@code files} (paths relative to {@code checkout}, as the loader lists them) as the last
   * good snapshot, replacing the one before.
   */
  void writeSnapshot(
      Path checkout,
      List<String> files,
      String commit,
      String repository,
      String branch,
      String glob,
      Instant loadedAt)
      throws IOException {
    Files.createDirectories(base);
    Path fresh = Files.createTempDirectory(base, SNAPSHOT + ".new-");
    try {
      Path root = fresh.resolve(FILES);
      Files.createDirectories(root);
      for (String f : files) {
        Path from = checkout.resolve(f).normalize();
        Path to = root.resolve(f).normalize();
        if (!from.startsWith(checkout) || !to.startsWith(root)) {
          throw new IOException("manifest path " + f + " leaves its directory");
        }
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
      }
      Properties p = new Properties();
      p.setProperty("commit", commit);
      p.setProperty("repository", repository == null ? "" : repository);
      p.setProperty("branch", branch == null ? "" : branch);
      p.setProperty("glob", glob);
      p.setProperty("loaded_at", loadedAt.toString());
      try (OutputStream out = Files.newOutputStream(fresh.resolve(PROPERTIES))) {
        p.store(out, "the last good manifests of the Fluke server (written by the server)");
      }
      Path current = base.resolve(SNAPSHOT);
      Path old = base.resolve(SNAPSHOT + ".old");
      deleteTree(old);
      if (Files.exists(current)) {
        Files.move(current, old, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(fresh, current, StandardCopyOption.ATOMIC_MOVE);
      deleteTree(old);
    } finally {
      deleteTree(fresh);
    }
  }

  /**
   * The last good snapshot, if one was kept and is complete; one interrupted while being replaced
   * is found under its old name.
   *
   * @throws IOException when one exists but cannot be read
   */
  Optional<Snapshot> readSnapshot() throws IOException {
    Path dir = base.resolve(SNAPSHOT);
    if (!Files.isRegularFile(dir.resolve(PROPERTIES))) {
      dir = base.resolve(SNAPSHOT + ".old");
      if (!Files.isRegularFile(dir.resolve(PROPERTIES))) {
        return Optional.empty();
      }
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(dir.resolve(PROPERTIES))) {
      p.load(in);
    }
    String commit = p.getProperty("commit", "");
    String glob = p.getProperty("glob", "");
    Instant loadedAt;
    try {
      loadedAt = Instant.parse(p.getProperty("loaded_at", ""));
    } catch (DateTimeParseException e) {
      throw new IOException(dir.resolve(PROPERTIES) + ": bad loaded_at", e);
    }
    if (commit.isEmpty() || glob.isEmpty() || !Files.isDirectory(dir.resolve(FILES))) {
      throw new IOException(dir.resolve(PROPERTIES) + " is incomplete");
    }
    return Optional.of(
        new Snapshot(
            commit,
            emptyToNull(p.getProperty("repository")),
            emptyToNull(p.getProperty("branch")),
            glob,
            loadedAt,
            dir.resolve(FILES)));
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * A note for the log when {@code dataDir} still has the manifest clone of a Fluke version before
   * clones moved to {@code <dataDir>/git/repos}.
   */
  static Optional<String> oldCloneNote(Path dataDir) {
    return Files.isDirectory(dataDir.resolve("manifests/.git"))
        ? Optional.of(
            dataDir.resolve("manifests")
                + " is the manifest clone of an earlier Fluke version and is no longer used (clones"
                + " now live in "
                + dataDir.resolve("git/repos")
                + "); it can be deleted")
        : Optional.empty();
  }
}
