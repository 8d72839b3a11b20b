package dev.fluke.git;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Small facts about a working copy and its remote, shared by {@link BranchSync} and {@link
 * PendingSync}.
 */
final class WorkingCopies {
  private WorkingCopies() {}

  /** The existing working copy at {@code dir} (its {@code .git} directory must exist). */
  static Repository open(Path dir) throws IOException {
    return new FileRepositoryBuilder()
        .setWorkTree(dir.toFile())
        .setGitDir(dir.resolve(".git").toFile())
        .setMustExist(true)
        .build();
  }

  static boolean isAbsentOrEmpty(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return true;
    }
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  static String head(Repository repo) throws IOException, GitSyncException {
    ObjectId head = repo.resolve(Constants.HEAD);
    if (head == null) {
      throw new GitSyncException("nothing is checked out in " + repo.getWorkTree());
    }
    return head.name();
  }

  /**
   * Same repository: equal once credentials, a trailing slash and a trailing ".git" are ignored.
   */
  static boolean sameUrl(String a, String b) {
    return GitSource.of(a, null).normalizedUrl().equals(GitSource.of(b, null).normalizedUrl());
  }

  static String withoutPassword(String url) {
    return url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://[^/:@]*):[^/@]*@", "$1@");
  }

  static String sample(Set<String> paths) {
    List<String> first = new ArrayList<>(paths).subList(0, Math.min(5, paths.size()));
    return String.join(", ", first) + (paths.size() > 5 ? ", …" : "");
  }

  /** "working copy DIR has local changes (the first few paths)". */
  static String localChanges(Path dir, Set<String> dirty) {
    return "working copy " + dir + " has local changes (" + sample(dirty) + ")";
  }
}
