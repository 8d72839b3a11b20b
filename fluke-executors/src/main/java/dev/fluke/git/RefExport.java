package dev.fluke.git;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * {@link GitSync#exportRef}: fetches every branch and tag (and a full ref that is neither) into a
 * bare cache and writes one commit's wanted files. Callers hold the cache's lock and translate
 * failures ({@link GitErrors}).
 */
final class RefExport {
  /** Where {@link #export} keeps refs named in full that are neither branches nor tags. */
  private static final String OTHER_REFS = "refs/fluke-plan/";

  private final GitTransport transport;

  RefExport(GitTransport transport) {
    this.transport = transport;
  }

  /** Writes {@code name}'s wanted files into {@code into}; returns its commit id. */
  String export(GitSource source, String name, Path cache, Path into, Predicate<String> wanted)
      throws GitSyncException, GitAPIException, IOException, URISyntaxException {
    try (Repository repo = bareCache(cache);
        Git git = new Git(repo)) {
      List<RefSpec> specs = new ArrayList<>();
      specs.add(new RefSpec("+" + Constants.R_HEADS + "*:" + Constants.R_REMOTES + "origin/*"));
      specs.add(new RefSpec("+" + Constants.R_TAGS + "*:" + Constants.R_TAGS + "*"));
      if (RefNames.other(name)) {
        specs.add(new RefSpec("+" + name + ":" + OTHER_REFS + name.substring(5)));
      }
      var fetch = git.fetch().setRemote(source.url()).setRefSpecs(specs).setRemoveDeletedRefs(true);
      transport.configure(fetch, source);
      fetch.call();
      ObjectId commit = resolveRef(repo, name, source);
      if (commit == null) {
        throw new GitSyncException(
            "no branch, tag or commit '" + name + "' in " + source.redactedUrl());
      }
      return writeTree(repo, commit, into.toAbsolutePath().normalize(), wanted);
    }
  }

  /** The bare repository at {@code dir}, created when absent. */
  private static Repository bareCache(Path dir) throws IOException {
    Repository repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build();
    if (!Files.exists(dir.resolve("HEAD"))) {
      repo.create(true);
    }
    return repo;
  }

  /** The commit {@code name} names in the cache after a fetch, or null. */
  private static ObjectId resolveRef(Repository repo, String name, GitSource source)
      throws IOException, GitSyncException {
    String[] candidates;
    if (name.startsWith(Constants.R_HEADS)) {
      candidates =
          new String[] {
            Constants.R_REMOTES + "origin/" + name.substring(Constants.R_HEADS.length())
          };
    } else if (name.startsWith(Constants.R_TAGS)) {
      candidates = new String[] {name};
    } else if (RefNames.other(name)) {
      candidates = new String[] {OTHER_REFS + name.substring(5)};
    } else {
      candidates = new String[] {Constants.R_REMOTES + "origin/" + name, Constants.R_TAGS + name};
    }
    for (String candidate : candidates) {
      Ref found = repo.exactRef(candidate);
      if (found != null) {
        return commitOf(repo, found.getObjectId(), name);
      }
    }
    if (!name.matches("[0-9a-fA-F]{7,40}")) {
      return null;
    }
    try (var reader = repo.newObjectReader()) {
      var ids =
          reader.resolve(AbbreviatedObjectId.fromString(name.toLowerCase(java.util.Locale.ROOT)));
      if (ids.size() > 1) {
        throw new GitSyncException(
            "'" + name + "' is ambiguous in " + source.redactedUrl() + ": give more hex digits");
      }
      return ids.isEmpty() ? null : commitOf(repo, ids.iterator().next(), name);
    }
  }

  /** The commit {@code id} is or points at (an annotated tag is peeled). */
  private static ObjectId commitOf(Repository repo, ObjectId id, String name)
      throws IOException, GitSyncException {
    try (RevWalk walk = new RevWalk(repo)) {
      return walk.parseCommit(id).getId();
    } catch (IncorrectObjectTypeException e) {
      throw new GitSyncException("'" + name + "' names no commit (" + id.name() + ")");
    }
  }

  /** Writes the wanted regular files of {@code commit}'s tree under {@code into}. */
  private static String writeTree(
      Repository repo, ObjectId commit, Path into, Predicate<String> wanted)
      throws IOException, GitSyncException {
    Files.createDirectories(into);
    try (RevWalk walk = new RevWalk(repo);
        TreeWalk tree = new TreeWalk(repo)) {
      RevCommit c = walk.parseCommit(commit);
      tree.addTree(c.getTree());
      tree.setRecursive(true);
      while (tree.next()) {
        FileMode mode = tree.getFileMode(0);
        if (mode != FileMode.REGULAR_FILE && mode != FileMode.EXECUTABLE_FILE) {
          continue;
        }
        String path = tree.getPathString();
        if (!wanted.test(path)) {
          continue;
        }
        Path target = into.resolve(path).normalize();
        if (!target.startsWith(into) || target.equals(into)) {
          throw new GitSyncException(
              "commit " + c.name() + " has a path that leaves its tree: " + path);
        }
        Files.createDirectories(target.getParent());
        try (java.io.OutputStream out = Files.newOutputStream(target)) {
          repo.open(tree.getObjectId(0)).copyTo(out);
        }
      }
      return c.getId().name();
    }
  }
}
